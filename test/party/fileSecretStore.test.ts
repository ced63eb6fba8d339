import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { openFileSecretStore, SecretStoreError } from "../../src/party/fileSecretStore.js";
import { bindingLabel, type SecretBinding } from "../../src/party/secretStore.js";

const binding: SecretBinding = {
  chainId: 31337,
  contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  sessionId: 7n,
  party: 2,
};
const weak = { scryptN: 2 ** 10, allowWeakKdf: true } as const;
const secret = new TextEncoder().encode("polynomial coefficients");

async function freshStore(password = "correct horse") {
  const directory = await mkdtemp(join(tmpdir(), "roundtable-store-"));
  const store = await openFileSecretStore({ directory, password, ...weak });
  return { directory, store };
}

async function expectStoreError(promise: Promise<unknown>, code: SecretStoreError["code"]) {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(SecretStoreError);
    expect((error as SecretStoreError).code).to.equal(code);
    return error as SecretStoreError;
  }
  expect.fail(`expected a SecretStoreError ${code}`);
}

describe("FileSecretStore", () => {
  describe("R6: secrets at rest", () => {
    it("returns what was stored, and undefined for a name never stored", async () => {
      const { store } = await freshStore();
      await store.put(binding, "dkg-round1", secret);
      expect(await store.get(binding, "dkg-round1")).to.deep.equal(secret);
      expect(await store.get(binding, "dkg-round2")).to.equal(undefined);
    });

    it("writes nothing in clear: the file does not contain the secret's bytes", async () => {
      const { directory, store } = await freshStore();
      await store.put(binding, "share", secret);
      const files = (await readdir(directory)).filter((f) => f.endsWith(".secret"));
      expect(files).to.have.length(1);
      const raw = await readFile(join(directory, files[0]!));
      expect(raw.includes(Buffer.from(secret))).to.equal(false);
    });

    it("creates files with mode 0600 and the directory with mode 0700", async () => {
      const { directory, store } = await freshStore();
      await store.put(binding, "share", secret);
      const file = (await readdir(directory)).find((f) => f.endsWith(".secret"))!;
      expect((await stat(join(directory, file))).mode & 0o777).to.equal(0o600);
      expect((await stat(join(directory, "store.json"))).mode & 0o777).to.equal(0o600);
      expect((await stat(directory)).mode & 0o777).to.equal(0o700);
    });

    it("refuses a wrong password without reading or changing anything", async () => {
      const { directory } = await freshStore("right");
      const before = await readFile(join(directory, "store.json"), "utf8");
      const error = await expectStoreError(
        openFileSecretStore({ directory, password: "wrong", ...weak }),
        "WRONG_PASSWORD",
      );
      expect(error.message).to.equal(
        `Wrong password for the secret store in ${directory}. Nothing was read or changed; try again with the password used to create it.`,
      );
      expect(await readFile(join(directory, "store.json"), "utf8")).to.equal(before);
    });

    it("rejects a tampered ciphertext", async () => {
      const { directory, store } = await freshStore();
      await store.put(binding, "share", secret);
      const file = join(directory, (await readdir(directory)).find((f) => f.endsWith(".secret"))!);
      const raw = await readFile(file);
      raw[raw.length - 20]! ^= 0x01;
      await writeFile(file, raw);
      await expectStoreError(store.get(binding, "share"), "TAMPERED");
    });

    for (const [field, other] of [
      ["session", { ...binding, sessionId: 8n }],
      ["party", { ...binding, party: 3 }],
      ["chain", { ...binding, chainId: 1 }],
      ["contract", { ...binding, contract: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" }],
    ] as const) {
      it(`rejects a secret moved to another ${field}'s file`, async () => {
        const { directory, store } = await freshStore();
        await store.put(binding, "share", secret);
        await store.put(other, "share", new Uint8Array([1, 2, 3]));
        const source = `${bindingLabel(binding, "share")}.secret`;
        const target = `${bindingLabel(other, "share")}.secret`;
        await writeFile(join(directory, target), await readFile(join(directory, source)));
        await expectStoreError(store.get(other, "share"), "TAMPERED");
      });
    }

    it("rejects a file that is not a Roundtable secret", async () => {
      const { directory, store } = await freshStore();
      await store.put(binding, "share", secret);
      const file = join(directory, (await readdir(directory)).find((f) => f.endsWith(".secret"))!);
      await writeFile(file, "not a secret");
      await expectStoreError(store.get(binding, "share"), "CORRUPT");
    });

    it("refuses a weak scrypt cost unless explicitly allowed", async () => {
      const directory = await mkdtemp(join(tmpdir(), "roundtable-store-"));
      await expectStoreError(
        openFileSecretStore({ directory, password: "x", scryptN: 2 ** 10 }),
        "WEAK_KDF",
      );
    });

    it("rejects names that could leave the store's directory", async () => {
      const { store } = await freshStore();
      let error: unknown;
      try {
        await store.put(binding, "../escape", secret);
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(RangeError);
      expect((error as Error).message).to.contain('Secret name "../escape" is not valid');
    });

    it("leaves the old or the new secret, never a torn one, when killed during writes", async function () {
      this.timeout(120_000);
      const { directory } = await freshStore("pw");
      const seen = new Set<number>();
      for (let kill = 0; kill < 12; kill++) {
        const child = spawn(
          process.execPath,
          ["--import", "tsx", "test/party/fixtures/secretWriter.ts", directory, "pw"],
          { stdio: ["ignore", "pipe", "inherit"] },
        );
        await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.floor(Math.random() * 200)));
        child.kill("SIGKILL");
        await new Promise((resolve) => child.once("exit", resolve));
        const store = await openFileSecretStore({ directory, password: "pw", ...weak });
        const value = await store.get({ ...binding, sessionId: 1n, party: 0 }, "state");
        if (value === undefined) continue; // killed before the first rename
        const version = new DataView(value.buffer, value.byteOffset).getUint32(0);
        expect(value.length).to.equal(65_536);
        expect(value.subarray(4).every((byte) => byte === version % 251)).to.equal(true);
        seen.add(version);
      }
      expect(seen.size).to.be.greaterThan(0);
      expect((await readdir(directory)).filter((f) => f.endsWith(".tmp"))).to.deep.equal([]);
    });
  });
});
