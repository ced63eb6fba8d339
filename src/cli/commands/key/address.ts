import { keyOptions } from "../../account.js";
import { defineCommand } from "../../command.js";
import { ExitCode, UsageError } from "../../errors.js";

export const keyAddressCommand = defineCommand({
  path: ["key", "address"],
  summary: "print the address of a key file (checks the password)",
  positionals: [],
  options: keyOptions,
  description: [
    "Decrypts the key file and prints the address of its key. The address is derived from the key itself, not read from the file's unauthenticated `address` field.",
  ],
  examples: ["roundtable key address --key-file alice.json --password-file alice.pw"],
  async run({ values, context }) {
    if (values["key-file"] === undefined) {
      throw new UsageError(
        "Missing --key-file: pass the key file whose address to print, such as --key-file alice.json.",
        "--key-file",
      );
    }
    const account = await context.account(values, "Reading the address");
    context.output.result([account.address], {
      address: account.address,
      keyFile: values["key-file"],
    });
    return ExitCode.Success;
  },
});
