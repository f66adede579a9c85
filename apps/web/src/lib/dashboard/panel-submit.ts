import type { SubmitFunction } from "@sveltejs/kit"
import { tick } from "svelte"

/**
 * An item-editor panel's submit: `busy` while it runs, then the page updated and, after a refusal, the
 * focus on the panel's summary of what went wrong. `asks`, when given, confirms first (no cancels);
 * `reset: false` keeps what was typed.
 */
export const panelSubmit =
  (
    setBusy: (busy: boolean) => void,
    summary: () => HTMLElement | undefined,
    options: { readonly asks?: () => boolean; readonly reset?: false } = {}
  ): SubmitFunction =>
  ({ cancel }) => {
    if (options.asks && !options.asks()) return cancel()
    setBusy(true)
    return async ({ result, update }) => {
      setBusy(false)
      await (options.reset === false ? update({ reset: false }) : update())
      if (result.type === "failure") summary()?.focus()
    }
  }

/**
 * A table row's action: confirms first when the pressed button carries `data-confirm` (without
 * JavaScript the button is the confirmation), `busy` while it runs, then the page updated (keeping what
 * was typed) and the focus on the outcome, refusal or success. `refused` puts the row's form back.
 */
export const rowSubmit =
  (setBusy: (busy: boolean) => void, outcome: () => HTMLElement | undefined, refused?: (form: HTMLFormElement) => void): SubmitFunction =>
  ({ submitter, cancel }) => {
    const question = submitter?.getAttribute("data-confirm")
    if (question && !confirm(question)) return cancel()
    setBusy(true)
    return async ({ result, update, formElement }) => {
      await update({ reset: false })
      setBusy(false)
      if (result.type === "failure") refused?.(formElement)
      await tick()
      outcome()?.focus()
    }
  }
