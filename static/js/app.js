// Starts GOV.UK Frontend's components (loaded as a module, so no inline script is needed).
import { initAll } from '../vendor/govuk-frontend/govuk-frontend.min.js'

initAll()
