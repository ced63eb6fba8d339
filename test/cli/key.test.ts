import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import { getAddress } from "viem";
import { expectExit, jsonOf, runCli, tempDir } from "./helpers.js";

describe("roundtable CLI", () => {
  describe("key", () => {
    let directory: string;
    let keyFile: string;
    let passwordFile: string;
    let address: string;

    before(async () => {
      directory = await tempDir("key");
      keyFile = join(directory, "alice.json");
      passwordFile = join(directory, "alice.pw");
      await writeFile(passwordFile, "correct horse battery staple\n", { mode: 0o600 });
      const run = await runCli([
        "key",
        "new",
        "--key-file",
        keyFile,
        "--password-file",
        passwordFile,
        "--json",
      ]);
      expectExit(run, 0);
      address = String(jsonOf(run).address);
    });

    it("key new writes a v3 key file of mode 0600 and prints only its address", async () => {
      expect(address).to.equal(getAddress(address));
      expect((await stat(keyFile)).mode & 0o777).to.equal(0o600);
      const keystore = JSON.parse(await readFile(keyFile, "utf8")) as {
        version: number;
        address: string;
      };
      expect(keystore.version).to.equal(3);
      expect(`0x${keystore.address}`).to.equal(address.toLowerCase());
    });

    it("key address decrypts the file and prints the same address", async () => {
      const run = await runCli([
        "key",
        "address",
        "--key-file",
        keyFile,
        "--password-file",
        passwordFile,
      ]);
      expectExit(run, 0);
      expect(run.stdout).to.equal(`${address}\n`);
    });

    it("key address --json prints one object with the address", async () => {
      const run = await runCli([
        "key",
        "address",
        "--key-file",
        keyFile,
        "--password-file",
        passwordFile,
        "--json",
      ]);
      expectExit(run, 0);
      expect(jsonOf(run)).to.deep.equal({ address, keyFile });
    });

    it("refuses a wrong password with exit 3 and leaves the file unchanged", async () => {
      const before = await readFile(keyFile, "utf8");
      const wrong = join(directory, "wrong.pw");
      await writeFile(wrong, "incorrect\n", { mode: 0o600 });
      const run = await runCli(["key", "address", "--key-file", keyFile, "--password-file", wrong]);
      expectExit(run, 3);
      // Beside the progress line scrypt may earn (test/cli/progress.test.ts), only the error.
      expect(run.stderr.replace(/^Decrypting key file .*\n/m, "")).to.equal(
        `error: Wrong password for key file ${keyFile}. Nothing was changed; try again.\n`,
      );
      expect(run.stdout).to.equal("");
      expect(await readFile(keyFile, "utf8")).to.equal(before);
    });

    it("without --password-file and without a terminal, names the flag (exit 2)", async () => {
      const run = await runCli(["key", "address", "--key-file", keyFile]);
      expectExit(run, 2);
      expect(run.stderr).to.equal(
        `error: Key file ${keyFile} needs a password, but stdin is not a terminal to ask on. Pass --password-file PATH, a file that holds the password.\n`,
      );
    });

    it("key new never overwrites an existing key file (exit 2)", async () => {
      const before = await readFile(keyFile, "utf8");
      const run = await runCli([
        "key",
        "new",
        "--key-file",
        keyFile,
        "--password-file",
        passwordFile,
      ]);
      expectExit(run, 2);
      expect(run.stderr).to.include(`--key-file ${keyFile} already exists`);
      expect(await readFile(keyFile, "utf8")).to.equal(before);
    });

    it("never prints the password or the key", async () => {
      const run = await runCli([
        "key",
        "address",
        "--key-file",
        keyFile,
        "--password-file",
        passwordFile,
        "--log-level",
        "debug",
      ]);
      expectExit(run, 0);
      expect(run.stdout + run.stderr).not.to.include("correct horse");
      expect(run.stdout + run.stderr).not.to.match(/0x[0-9a-fA-F]{64}/);
    });
  });
});
