import { randomBytes, randomUUID } from "node:crypto";
import type { InstanceRecord, Store } from "../../src/store/types.js";

/** A stopped instance row with a random id and name; `over` replaces any field. */
export function instanceRecord(over: Partial<Omit<InstanceRecord, "updatedAt">> = {}): Omit<InstanceRecord, "updatedAt"> {
  return {
    id: randomUUID(),
    name: `i-${randomBytes(4).toString("hex")}`,
    platform: "telegram",
    config: {},
    metadata: {},
    desired: "stopped",
    status: { state: "stopped" },
    logoutIntent: null,
    createdAt: Date.now(),
    ...over,
  };
}

/** Creates {@link instanceRecord} in `store` and returns it. */
export function createInstanceRecord(store: Store, over: Partial<Omit<InstanceRecord, "updatedAt">> = {}): Promise<InstanceRecord> {
  return store.instances.create(instanceRecord(over));
}
