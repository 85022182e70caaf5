"""Static files storage for production: hashed names, compressed, ES module imports rewritten."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Also rewrites `import ... from '...'` in our ES modules to the hashed names, so
    static/js/app.js and the vendored GOV.UK Frontend module are loaded once, not twice."""

    support_js_module_import_aggregation = True
