// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {P256} from "@openzeppelin/contracts/utils/cryptography/P256.sol";

bytes4 constant ERC1271_MAGIC_VALUE = 0x1626ba7e;
bytes4 constant ERC1271_INVALID = 0xffffffff;

/// @notice A minimal ERC-1271 contract wallet, owned by one EOA key, as a Safe with one owner would be: it accepts
/// exactly the owner's (low-s) ECDSA signature of the hash. `execute` lets the owner act through it directly.
contract OwnedWallet {
    address public immutable OWNER;

    error OwnedWalletNotOwner(address sender);

    constructor(address owner_) {
        OWNER = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && recovered == OWNER ? ERC1271_MAGIC_VALUE : ERC1271_INVALID;
    }

    function execute(address target, bytes calldata data) external returns (bytes memory) {
        if (msg.sender != OWNER) revert OwnedWalletNotOwner(msg.sender);
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) _bubble(ret);
        return ret;
    }

    function _bubble(bytes memory reason) private pure {
        assembly ("memory-safe") {
            revert(add(reason, 0x20), mload(reason))
        }
    }
}

/// @notice A hostile ERC-1271 wallet (threat C7): while it is asked to validate a signature it calls back into
/// Roundtable with `reentry` (for example its own direct `submit`, which would succeed as a normal call), and lets a
/// failure of that call bubble up. Otherwise it approves every signature, so only the re-entry decides the outcome.
contract ReentrantWallet {
    address public target;
    bytes public reentry;

    function arm(address target_, bytes calldata reentry_) external {
        target = target_;
        reentry = reentry_;
    }

    /// @dev Deliberately not `view`: it tries to change state. Roundtable asks in a staticcall, so it cannot.
    function isValidSignature(bytes32, bytes calldata) external returns (bytes4) {
        reenterNow();
        return ERC1271_MAGIC_VALUE;
    }

    /// @notice The same re-entry as a normal call, to show it would succeed outside a staticcall.
    function reenterNow() public {
        (bool ok, bytes memory ret) = target.call(reentry);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}

/// @notice An ERC-1271 passkey wallet: it verifies a P-256 (WebAuthn-style) signature in Solidity, as smart
/// wallets do on chains without the RIP-7212 precompile. That costs a few hundred thousand gas per check, which is
/// what makes it a target for a relayer that under-funds a batch (threat C10).
contract PasskeyWallet {
    bytes32 public immutable QX;
    bytes32 public immutable QY;

    constructor(bytes32 qx_, bytes32 qy_) {
        QX = qx_;
        QY = qy_;
    }

    /// @param signature abi.encode(r, s) of a low-s P-256 signature over `hash`.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 64) return ERC1271_INVALID;
        (bytes32 r, bytes32 s) = abi.decode(signature, (bytes32, bytes32));
        return P256.verifySolidity(hash, r, s, QX, QY) ? ERC1271_MAGIC_VALUE : ERC1271_INVALID;
    }
}

/// @notice An owned wallet whose check first burns `WORK` gas (a Safe with many owners, say).
contract HeavyWallet {
    address public immutable OWNER;
    uint256 public immutable WORK;

    constructor(address owner_, uint256 work_) {
        OWNER = owner_;
        WORK = work_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        uint256 start = gasleft();
        bytes32 sink = hash;
        while (start - gasleft() < WORK) sink = keccak256(abi.encode(sink));
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && recovered == OWNER ? ERC1271_MAGIC_VALUE : ERC1271_INVALID;
    }
}
