import { ConfigProvider, Effect, Either, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { codeIn } from "../src/MemberSettings.js"
import { configKeyOf, Secrets, SecretsLive, telegramTokenRef } from "../src/Secrets.js"

const resolve = (ref: string, config: Record<string, string>) =>
  Effect.runPromise(
    Effect.flatMap(Secrets, (secrets) => Effect.either(secrets.resolve(ref))).pipe(
      Effect.provide(SecretsLive),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(config))))
    )
  )

describe("secret references, from configuration", () => {
  it("a tenant's reference is read from the key named after its path, redacted", async () => {
    const ref = telegramTokenRef("0b6c-41")
    expect(ref).toBe("secret://manara/tenant/0b6c-41/telegram")
    expect(configKeyOf("manara/tenant/0b6c-41/telegram")).toBe("SECRET_MANARA_TENANT_0B6C_41_TELEGRAM")
    const found = await resolve(ref, { SECRET_MANARA_TENANT_0B6C_41_TELEGRAM: "123:abc" })
    expect(Either.isRight(found) && Redacted.value(found.right)).toBe("123:abc")
    expect(Either.isRight(found) && `${found.right as unknown as string}`).not.toContain("123:abc")
  })

  it("a missing secret or a malformed reference fails, naming the key and never a value", async () => {
    const missing = await resolve(telegramTokenRef("other"), { SECRET_MANARA_TENANT_X_TELEGRAM: "123:abc" })
    expect(Either.isLeft(missing) && missing.left.reason).toBe("SECRET_MANARA_TENANT_OTHER_TELEGRAM is not set")
    for (const ref of ["env:DATABASE_URL", "secret://", "secret://a b", "https://example.com/x"]) {
      const refused = await resolve(ref, { DATABASE_URL: "postgres://x" })
      expect(Either.isLeft(refused) && refused.left.reason, ref).toBe("not a secret:// reference")
    }
  })
})

describe("the code in a message to the bot", () => {
  it("alone or after /start, any case; anything else is no code", () => {
    expect(codeIn("/start AB3DEF7H")).toBe("AB3DEF7H")
    expect(codeIn("  ab3def7h ")).toBe("AB3DEF7H")
    expect(codeIn("/start@manara_bot AB3DEF7H")).toBe("AB3DEF7H")
    for (const text of ["hello", "/start", "/start AB3DEF7", "AB3DEF7H please", "/help AB3DEF7H"])
      expect(codeIn(text), text).toBeUndefined()
  })
})
