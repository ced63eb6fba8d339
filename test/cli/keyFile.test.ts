import { mkdtemp, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { generatePrivateKey } from "viem/accounts";
import { KeyFileError, readKeyFile, writeKeyFile } from "../../src/cli/keyFile.js";

// go-ethereum's accounts/testdata/v3_test_vector.json, "wikipage_test_vector_scrypt"
// (the Web3 Secret Storage Definition's scrypt example).
const gethVector = {
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "83dbcc02d8ccb40e466191a123791e0e" },
    ciphertext: "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
    kdf: "scrypt",
    kdfparams: {
      dklen: 32,
      n: 262144,
      r: 1,
      p: 8,
      salt: "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19",
    },
    mac: "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
  },
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  version: 3,
};

async function tempPath(name: string) {
  return join(await mkdtemp(join(tmpdir(), "roundtable-key-")), name);
}

describe("keyFile", () => {
  it("decrypts the Web3 Secret Storage scrypt test vector", async () => {
    const path = await tempPath("vector.json");
    await writeFile(path, JSON.stringify(gethVector));
    expect(await readKeyFile(path, "testpassword")).to.equal(
      "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d",
    );
  });

  it("reads back what it wrote, in a file of mode 0600", async () => {
    const path = await tempPath("key.json");
    const key = generatePrivateKey();
    await writeKeyFile(path, key, "pw", { scryptN: 2 ** 10 });
    expect(await readKeyFile(path, "pw")).to.equal(key);
    expect((await stat(path)).mode & 0o777).to.equal(0o600);
  });

  it("refuses a wrong password with a KeyFileError", async () => {
    const path = await tempPath("key.json");
    await writeKeyFile(path, generatePrivateKey(), "right", { scryptN: 2 ** 10 });
    try {
      await readKeyFile(path, "wrong");
      expect.fail("expected a KeyFileError");
    } catch (error) {
      expect(error).to.be.instanceOf(KeyFileError);
      expect((error as KeyFileError).code).to.equal("WRONG_PASSWORD");
      expect((error as Error).message).to.equal(
        `Wrong password for key file ${path}. Nothing was changed; try again.`,
      );
    }
  });

  it("names the file when it is not a keystore", async () => {
    const path = await tempPath("not-json.json");
    await writeFile(path, "hello");
    try {
      await readKeyFile(path, "pw");
      expect.fail("expected a KeyFileError");
    } catch (error) {
      expect((error as KeyFileError).code).to.equal("UNREADABLE");
      expect((error as Error).message).to.contain(path);
    }
  });
});
