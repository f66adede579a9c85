import { describe, expect, it } from "vitest"
import { arrangedGallery } from "../src/lib/dashboard/gallery.js"

const form = (ids: ReadonlyArray<string>, extra: Record<string, string> = {}) => {
  const data = new FormData()
  for (const id of ids) data.append("mediaId", id)
  for (const [name, value] of Object.entries(extra)) data.append(name, value)
  return data
}

// Without JavaScript each arrow and "remove" is a submit button of the gallery form: the server applies it.
describe("the gallery as a form sends it", () => {
  it("keeps the order sent when no arrow was pressed", () => {
    expect(arrangedGallery(form(["a", "b", "c"]))).toEqual(["a", "b", "c"])
  })

  it("moves a picture earlier or later by one", () => {
    expect(arrangedGallery(form(["a", "b", "c"], { move: "1:-1" }))).toEqual(["b", "a", "c"])
    expect(arrangedGallery(form(["a", "b", "c"], { move: "1:1" }))).toEqual(["a", "c", "b"])
  })

  it("removes the picture named", () => {
    expect(arrangedGallery(form(["a", "b", "c"], { remove: "0" }))).toEqual(["b", "c"])
  })

  it("ignores a move past either end, or one that is not one step", () => {
    expect(arrangedGallery(form(["a", "b"], { move: "0:-1" }))).toEqual(["a", "b"])
    expect(arrangedGallery(form(["a", "b"], { move: "1:1" }))).toEqual(["a", "b"])
    expect(arrangedGallery(form(["a", "b", "c"], { move: "0:2" }))).toEqual(["a", "b", "c"])
    expect(arrangedGallery(form(["a", "b"], { move: "x:y" }))).toEqual(["a", "b"])
  })
})
