// Starts GOV.UK Frontend's components (loaded as a module, so no inline script is needed).
import { initAll } from '../vendor/govuk-frontend/govuk-frontend.min.js'

initAll()

// GOV.UK radios' conditional reveal (data-app-conditional-radios), shown and hidden as GOV.UK
// Frontend's Radios does but without aria-expanded on the radios, which axe's aria-allowed-attr
// refuses on role radio. Without JavaScript every reveal stays shown.
for (const group of document.querySelectorAll('[data-app-conditional-radios]')) {
  const inputs = [...group.querySelectorAll('input[type="radio"]')]
  const sync = () => {
    for (const input of inputs) {
      const id = input.getAttribute('aria-controls')
      const reveal = id && document.getElementById(id)
      if (reveal) reveal.classList.toggle('govuk-radios__conditional--hidden', !input.checked)
    }
  }
  for (const input of inputs) {
    const id = input.getAttribute('data-aria-controls')
    if (id && document.getElementById(id)) {
      input.setAttribute('aria-controls', id)
      input.removeAttribute('data-aria-controls')
    }
    input.addEventListener('change', sync)
  }
  window.addEventListener('pageshow', sync)
  sync()
}

// Slow actions (data-app-busy-form): once sent, the submit button says what is happening
// (data-app-busy-text), is marked disabled and a second submission of the form is ignored; a
// status message tells screen reader users. The server also answers a repeated decision with
// the first one's result (decisions.review.services.review_repeat).
for (const form of document.querySelectorAll('form[data-app-busy-form]')) {
  let sent = false
  form.addEventListener('submit', (event) => {
    if (sent) {
      event.preventDefault()
      return
    }
    sent = true
    const button = event.submitter || form.querySelector('button[data-app-busy-text]')
    if (button && button.dataset.appBusyText) {
      button.dataset.appIdleText = button.textContent
      button.textContent = button.dataset.appBusyText
      button.setAttribute('aria-disabled', 'true')
      button.classList.add('app-button--busy')
    }
    const status = form.querySelector('[data-app-busy-status]')
    if (status) status.textContent = status.dataset.appBusyStatus
  })
  // Back from the next page (the browser's cache): ready again.
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return
    sent = false
    for (const button of form.querySelectorAll('button[data-app-idle-text]')) {
      button.textContent = button.dataset.appIdleText
      button.removeAttribute('aria-disabled')
      button.classList.remove('app-button--busy')
    }
  })
}

// Small screens: a table wider than the screen scrolls inside itself (static/css/app.css);
// make it reachable with the keyboard so it can be scrolled without a mouse.
const focusWideTables = () => {
  for (const table of document.querySelectorAll('table.govuk-table')) {
    if (table.scrollWidth > table.clientWidth + 1) {
      table.setAttribute('tabindex', '0')
    } else if (table.getAttribute('tabindex') === '0') {
      table.removeAttribute('tabindex')
    }
  }
}
focusWideTables()
window.addEventListener('resize', focusWideTables)
