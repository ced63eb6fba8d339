// Opens the web client's sealed records from inside its page, as only script of that origin can:
// the AES-GCM key is a non-extractable CryptoKey the page may use but not read. Tests use the
// plaintexts to prove that no dump of the page's storage holds any of them in clear (threat R7).
// The layout read here is web/src/secrets/browserSecretStore.ts's: a test that it keeps its word.
import type { Page } from "playwright-core";
import { hexToBytes } from "viem";
import { pageScript } from "./browser.js";

export type PageRecord = { label: string; name: string; plain: Uint8Array };

async function openInPage(): Promise<{ label: string; plain: string }[]> {
  const settle = <T>(request: IDBRequest<T>) =>
    new Promise<T>((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  const all = async (dbName: string) => {
    const db = await settle(indexedDB.open(dbName));
    try {
      const store = db.transaction("v1", "readonly").objectStore("v1");
      const [keys, values] = await Promise.all([
        settle(store.getAllKeys()),
        settle(store.getAll()),
      ]);
      return keys.map((key, i) => ({ key: String(key), value: values[i] }));
    } finally {
      db.close();
    }
  };
  const sealingKey = (await all("roundtable-keys")).find((e) => e.key === "sealing-key")
    ?.value as CryptoKey;
  const out: { label: string; plain: string }[] = [];
  for (const { key, value } of await all("roundtable-secrets")) {
    const record = value as { iv: Uint8Array; sealed: Uint8Array };
    const plain = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: record.iv as Uint8Array<ArrayBuffer>,
        additionalData: new TextEncoder().encode(`roundtable/${key}`),
      },
      sealingKey,
      record.sealed as Uint8Array<ArrayBuffer>,
    );
    const hex = Array.from(new Uint8Array(plain), (b) => b.toString(16).padStart(2, "0")).join("");
    out.push({ label: key, plain: `0x${hex}` });
  }
  return out;
}

/** Every record of the page's secret store, opened with the page's own key. */
export async function openPageRecords(page: Page): Promise<PageRecord[]> {
  const records = (await page.evaluate(pageScript(openInPage, undefined))) as {
    label: string;
    plain: `0x${string}`;
  }[];
  return records.map(({ label, plain }) => ({
    label,
    // chainId-contract-session-party-name, and names hold dashes themselves.
    name: label.split("-").slice(4).join("-"),
    plain: hexToBytes(plain),
  }));
}
