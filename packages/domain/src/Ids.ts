import { Schema } from "effect"

/** A tenant's id: a UUID, checked before it ever reaches SQL. */
export const TenantId = Schema.UUID.pipe(Schema.brand("TenantId"))
export type TenantId = typeof TenantId.Type

export const UserId = Schema.UUID.pipe(Schema.brand("UserId"))
export type UserId = typeof UserId.Type

/** Lower-case canonical UUID text: the only form `TenantSql` will put into `set_config`. */
export const isCanonicalUuid = (value: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value)
