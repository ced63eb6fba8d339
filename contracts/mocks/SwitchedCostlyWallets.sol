// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title SwitchedCostlyWallet (test only)
/// @notice A hostile contract wallet, made cheaply as an EIP-1167 clone: its honest check is expensive (a busy loop of
/// `VERIFICATION_GAS`, so a relayer's trace earns it a large allowance), and it burns all it is given once an
/// address it watches (`SWITCH`, without code when traced) holds code. It reads only its own storage and never GAS;
/// the code read (EXTCODESIZE) is left to reputation by the relayer's trace rules. One deployment at `SWITCH` flips
/// every clone at once.
contract SwitchedCostlyWallet is IERC1271 {
    address public immutable SWITCH;
    uint256 public immutable VERIFICATION_GAS;
    /// @dev About what one round of the busy loop costs, as in MockERC1271Wallet.
    uint256 private constant GAS_PER_ROUND = 150;
    address public owner;

    error SwitchedCostlyWalletInitialized();

    constructor(address switch_, uint256 verificationGas) {
        SWITCH = switch_;
        VERIFICATION_GAS = verificationGas;
    }

    function initialize(address owner_) external {
        if (owner != address(0)) revert SwitchedCostlyWalletInitialized();
        owner = owner_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (SWITCH.code.length != 0) {
            uint256 spins = 0;
            while (true) ++spins;
        }
        bytes32 spin = hash;
        for (uint256 i = VERIFICATION_GAS / GAS_PER_ROUND; i > 0; --i) {
            assembly ("memory-safe") {
                mstore(0x00, spin)
                spin := keccak256(0x00, 0x20)
            }
        }
        if (spin == bytes32(0)) return bytes4(0);
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == owner ? this.isValidSignature.selector : bytes4(0);
    }
}

/// @notice What is deployed at the switch: any code will do.
contract WalletSwitch {
    bool public constant THROWN = true;
}

/// @title SwitchedCostlyWalletFactory (test only)
/// @notice Makes SwitchedCostlyWallet clones watching one switch address, and deploys code there ({flipAll}).
contract SwitchedCostlyWalletFactory {
    bytes32 private constant _SALT = bytes32(0);
    address public immutable IMPLEMENTATION;
    address public immutable SWITCH;

    event WalletMade(address wallet, address owner);

    constructor(uint256 verificationGas) {
        SWITCH = address(
            uint160(
                uint256(
                    keccak256(
                        abi.encodePacked(bytes1(0xff), address(this), _SALT, keccak256(type(WalletSwitch).creationCode))
                    )
                )
            )
        );
        IMPLEMENTATION = address(new SwitchedCostlyWallet(SWITCH, verificationGas));
    }

    function make(address owner) external returns (address wallet) {
        wallet = Clones.clone(IMPLEMENTATION);
        SwitchedCostlyWallet(wallet).initialize(owner);
        emit WalletMade(wallet, owner);
    }

    function flipAll() external {
        new WalletSwitch{salt: _SALT}();
    }
}
