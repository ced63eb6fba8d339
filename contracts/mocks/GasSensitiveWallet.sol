// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title GasSensitiveWallet (test only)
/// @notice A dishonest contract-wallet party whose verdict depends on the gas its check is given: it approves its
/// owner's signatures only when given less than `THRESHOLD` gas (a batch item's small wallet allowance), and
/// refuses them at ERC1271_GAS (500,000), the gas a runner's `eth_call` re-asks it with. A relayer's trace refuses
/// it (it reads GAS other than for a call); its owner sends its `batch` itself.
contract GasSensitiveWallet is IERC1271 {
    address public immutable OWNER;
    uint256 public immutable THRESHOLD;

    constructor(address owner, uint256 threshold) {
        OWNER = owner;
        THRESHOLD = threshold;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (gasleft() >= THRESHOLD) return bytes4(0xffffffff);
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == OWNER ? this.isValidSignature.selector : bytes4(0);
    }
}
