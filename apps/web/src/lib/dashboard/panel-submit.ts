import type { SubmitFunction } from "@sveltejs/kit"

/**
 * An item-editor panel's submit: `busy` while it runs, then the page updated and, after a refusal, the
 * focus on the panel's summary of what went wrong. `asks`, when given, confirms first (no cancels);
 * `reset: false` keeps what was typed.
 */
export const panelSubmit = (
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
