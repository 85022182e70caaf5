"""App configuration for suppliers."""

from __future__ import annotations

from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    name = "suppliers"
    verbose_name = "Suppliers and market segments"

    def ready(self) -> None:
        # Contract break points and ends bring a decision up for review: decisions asks its
        # registered providers and never imports suppliers. Imported here, once the app
        # registry is ready (the contracts module uses the models).
        from decisions.review.dates import review_dates_provider_register
        from suppliers.contracts import contract_review_dates_by_case

        review_dates_provider_register(contract_review_dates_by_case)
        # Changes made outside the catalogue's services (the admin site, a shell) also retire
        # what was computed from the old catalogue.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from suppliers.catalogue import catalogue_changed
        from suppliers.models import Framework, Segment, Supplier

        def changed(**_: object) -> None:
            catalogue_changed()

        for model in (Supplier, Segment, Framework):
            post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"cat-{model}")
            post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"cat-d-{model}")
        for through in (Supplier.segments.through, Supplier.frameworks.through):
            m2m_changed.connect(changed, sender=through, weak=False, dispatch_uid=f"cat-{through}")
        # The catalogue's cache, given up after a failure, is tried again by the next request
        # and whenever the cache settings change.
        from django.core.signals import request_started, setting_changed

        from suppliers.catalogue import catalogue_cache

        request_started.connect(catalogue_cache.forget_failure, dispatch_uid="cat-cache-request")
        setting_changed.connect(catalogue_cache.forget_failure, dispatch_uid="cat-cache-settings")
