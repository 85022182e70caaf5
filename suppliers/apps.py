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
