import type { ActionResult, SubmitFunction } from "@sveltejs/kit"
import { tick } from "svelte"

interface AuthFormOptions {
  /** The last answer's refusal, if any. */
  readonly error: () => string | undefined
  /** After a 429: how many seconds to wait, counted from when the answer came. */
  readonly retryAfter: () => number | undefined
  /** What gets the focus once the page has its answer (not after a redirect). */
  readonly focus: (result: ActionResult) => HTMLElement | undefined
}

/**
 * The sign-in and recovery forms: `busy` while one is on its way, the refusal and the wait after a 429
 * counted down each second, then the focus where `focus` says. Make it while the page is set up.
 */
export class AuthForm {
  busy = $state(false)
  #now = $state(Date.now())
  #renderedAt = $state(Date.now())
  readonly #options: AuthFormOptions

  // While a submission is on its way, the last answer's words are no longer true.
  readonly error: string | undefined = $derived.by(() => (this.busy ? undefined : this.#options.error()))
  readonly waitLeft: number = $derived.by(() =>
    Math.max(0, (this.busy ? 0 : (this.#options.retryAfter() ?? 0)) - Math.floor((this.#now - this.#renderedAt) / 1000))
  )

  constructor(options: AuthFormOptions) {
    this.#options = options
    $effect(() => {
      const timer = setInterval(() => (this.#now = Date.now()), 1000)
      return () => clearInterval(timer)
    })
  }

  /** Progressive enhancement: the same actions without a reload. */
  readonly submit: SubmitFunction = () => {
    this.busy = true
    return async ({ update, result }) => {
      // A redirect leaves this page (signed in) or shows its next step: nothing here to update after it.
      if (result.type === "redirect") {
        await update()
        this.busy = false
        return
      }
      await update({ reset: false })
      this.busy = false
      this.#renderedAt = this.#now = Date.now()
      await tick()
      this.#options.focus(result)?.focus()
    }
  }
}

export const authForm = (options: AuthFormOptions): AuthForm => new AuthForm(options)
