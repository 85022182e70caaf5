"""The Centre of Excellence review: the queue, deciding a case (four eyes), the due-for-review
list, reopening an approved decision."""
