/** The phone's device list: at most 4 companions, device numbers never reused. */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MAX_COMPANIONS, SandboxPhone } from "../../../sandbox/whatsapp-web/phone.js";
import { SandboxError } from "../../../sandbox/whatsapp-web/state.js";

function link(phone: SandboxPhone) {
  return phone.link({ noiseKey: randomBytes(32), identityKey: randomBytes(32), advSecret: randomBytes(32), platform: "1", nowMs: 0 });
}

describe("companion limit", () => {
  it("links 4 companions, refuses a 5th with 409 too_many_devices, and gives a fresh number after a removal", () => {
    const phone = new SandboxPhone("phone-1", "15550001111", "123456789");
    expect(MAX_COMPANIONS).toBe(4);
    for (let i = 1; i <= 4; i++) expect(link(phone).device.device).toBe(i);
    const refused = (() => {
      try {
        link(phone);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(SandboxError);
    expect(refused).toMatchObject({ status: 409, code: "too_many_devices" });
    phone.devices.delete(2);
    expect(link(phone).device.device).toBe(5);
  });

  it("answers 409 device_numbers_exhausted once 255 numbers were used, not a RangeError", () => {
    const phone = new SandboxPhone("phone-2", "15550002222", "223456789");
    for (let i = 1; i <= 255; i++) phone.devices.delete(link(phone).device.device);
    expect(() => link(phone)).toThrow(expect.objectContaining({ status: 409, code: "device_numbers_exhausted" }) as Error);
  });
});
