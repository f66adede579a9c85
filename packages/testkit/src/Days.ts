import { kuwaitDay } from "@manara/domain"

/** The product's own "today", for the tests that ask about it. */
export { kuwaitDay }

/**
 * Runs a test body about "today" so that it never straddles Kuwait's midnight (21:00 UTC): a run that
 * fails after the day changed under it is run once more, on the new day (midnight passes once).
 * The body makes its own fixtures, so a second run does not lean on the first.
 */
export const onOneKuwaitDay = async <A>(body: (day: string) => Promise<A>): Promise<A> => {
  const day = kuwaitDay()
  try {
    return await body(day)
  } catch (error) {
    if (kuwaitDay() === day) throw error
    return body(kuwaitDay())
  }
}
