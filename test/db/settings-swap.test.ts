// Compare-and-set on a setting, on both stores: what a Socket Mode app's lease is taken, renewed
// and released with. Of several swaps from the same value, exactly one changes it.
import { expect, test } from "bun:test";
import { bothStores } from "../support/store.ts";

const stores = await bothStores();

for (const [name, store] of stores) {
  test(`${name}: a setting is created only when absent, changed only from the value read, and removed only from it`, async () => {
    const key = "socket.lease.42";
    expect(await store.findSetting(key)).toBeUndefined();
    expect(await store.swapSetting(key, undefined, "a:1")).toBe(true);
    expect(await store.swapSetting(key, undefined, "b:1")).toBe(false);
    expect(await store.swapSetting(key, "b:1", "b:2")).toBe(false);
    expect(await store.findSetting(key)).toBe("a:1");
    expect(await store.swapSetting(key, "a:1", "a:2")).toBe(true);
    expect(await store.swapSetting(key, "a:1", undefined)).toBe(false);
    expect(await store.findSetting(key)).toBe("a:2");
    expect(await store.swapSetting(key, "a:2", undefined)).toBe(true);
    expect(await store.findSetting(key)).toBeUndefined();
  });

  test(`${name}: of ten swaps racing from one value, one wins`, async () => {
    const key = "socket.lease.43";
    await store.swapSetting(key, undefined, "old:0");
    const won = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.swapSetting(key, "old:0", `i${i}:1`)),
    );
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await store.findSetting(key)).toBe(`i${won.indexOf(true)}:1`);
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.swapSetting("socket.lease.44", undefined, `${i}`)),
    );
    expect(created.filter(Boolean)).toHaveLength(1);
  });
}
