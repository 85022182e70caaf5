"""JSON API routes of this part (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from ninja import Router

router = Router()
