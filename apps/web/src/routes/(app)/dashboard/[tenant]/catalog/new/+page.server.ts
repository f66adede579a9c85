import { createItem } from "$lib/server/catalog-actions.js"
import type { Actions } from "./$types"

export const actions = { create: createItem } satisfies Actions
