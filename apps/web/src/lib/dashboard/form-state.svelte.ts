import type { SubmitFunction } from "@sveltejs/kit"
import { tick } from "svelte"

/**
 * A dashboard page's forms: `busy` while one is on its way, then the page updated (keeping what was
 * typed) and the focus on the outcome box (`bind:box={forms.box}` on `ActionOutcome`), so it is read out.
 */
export class FormState {
  busy = $state(false)
  box: HTMLElement | undefined = $state()

  readonly submit: SubmitFunction = () => {
    this.busy = true
    return async ({ update }) => {
      await update({ reset: false })
      this.busy = false
      await tick()
      this.box?.focus()
    }
  }

  /** For helpers that take callbacks (`rowSubmit`). */
  readonly setBusy = (busy: boolean): void => {
    this.busy = busy
  }
}

/** Call while the page's component is set up: `const forms = formState()`. */
export const formState = (): FormState => new FormState()
