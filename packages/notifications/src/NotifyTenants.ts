import { Config } from "effect"

/** NOTIFY_TENANTS: tenant ids, checked at start-up (they go into the claim as a uuid[]). */
export const notifyTenants = Config.array(
  Config.string().pipe(
    Config.validate({
      message: "NOTIFY_TENANTS holds tenant ids (UUIDs)",
      validation: (id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)
    })
  ),
  "NOTIFY_TENANTS"
)
