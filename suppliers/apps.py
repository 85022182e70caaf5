"""App configuration for suppliers."""

from __future__ import annotations

from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    name = "suppliers"
    verbose_name = "Suppliers and market segments"
