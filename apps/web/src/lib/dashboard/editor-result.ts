import type { ProofFailure } from "./proof-form.js"

/** What one of the item editor's form actions answered, as its panels read it (`form` of the page). */
export type EditorResult =
  | {
      readonly panel?: "media" | "status" | "proof" | "upload"
      readonly message?: string
      readonly done?:
        "cover-set" | "cover-removed" | "gallery-saved" | "status-changed" | "proof-added" | "proof-published" | "proof-deleted"
      readonly values?: ProofFailure["values"]
      readonly errors?: ProofFailure["errors"] | Record<string, unknown>
    }
  | null
  | undefined

/** The answer when it belongs to `panel`, else nothing: each panel speaks of its own controls only. */
export const resultFor = (result: EditorResult, panel: "media" | "status" | "proof") => (result?.panel === panel ? result : undefined)
