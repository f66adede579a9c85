// Manara's own lint rules (eslint.config.js turns them on where they apply).

/** A path the API serves: under `/api`, or one of the contract's group prefixes after a base URL. */
const API_PATH = /(^|\/)api(\/|$)|^\0\/(tenant|auth|public|admin)(\/|$)/

/** The static text of a string or template literal, each interpolation as NUL; undefined for anything else. */
const staticText = (node) => {
  if (node?.type === "Literal" && typeof node.value === "string") return node.value
  if (node?.type === "TemplateLiteral") return node.quasis.map((quasi) => quasi.value.cooked ?? "").join("\0")
  if (node?.type === "BinaryExpression" && node.operator === "+") {
    const left = staticText(node.left)
    const right = staticText(node.right)
    return left === undefined && right === undefined ? undefined : `${left ?? "\0"}${right ?? "\0"}`
  }
  return undefined
}

const nameOf = (callee) =>
  callee.type === "Identifier" ? callee.name : callee.type === "MemberExpression" && !callee.computed ? callee.property.name : undefined

/** `fetch("/api/…")`, `new URL(`/api/v1${path}`, base)`, `api<T>("/tenant/…")`: the API by a string path. */
const noStringApiCalls = {
  meta: {
    type: "problem",
    docs: { description: "Call the API through the contract's typed HttpApiClient, never by a string path." },
    messages: {
      stringPath: "The API by a string path ({{path}}): call it through the typed HttpApiClient (locals.api / loadAs / actAs).",
      untypedClient: "An untyped API client ({{name}}<…>(…)): call the API through the typed HttpApiClient (locals.api / loadAs / actAs)."
    },
    schema: []
  },
  create(context) {
    const check = (node, name) => {
      const text = staticText(node.arguments[0])
      if (text !== undefined && API_PATH.test(text)) {
        context.report({ node: node.arguments[0], messageId: "stringPath", data: { path: text.replaceAll("\0", "${…}") } })
        return
      }
      if (name !== undefined && /^api$/i.test(name) && (node.typeArguments !== undefined || text !== undefined)) {
        context.report({ node, messageId: "untypedClient", data: { name } })
      }
    }
    return {
      CallExpression(node) {
        const name = nameOf(node.callee)
        if (name === "fetch") check(node, undefined)
        else if (name !== undefined && /^api$/i.test(name)) check(node, name)
      },
      NewExpression(node) {
        const name = nameOf(node.callee)
        if (name === "URL" || name === "Request") check(node, undefined)
      }
    }
  }
}

export default {
  meta: { name: "manara" },
  rules: { "no-string-api-calls": noStringApiCalls }
}
