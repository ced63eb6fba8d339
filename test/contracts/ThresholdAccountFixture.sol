// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Bip340} from "../../contracts/Bip340.sol";
import {IRoundtable} from "../../contracts/IRoundtable.sol";
import {ThresholdAccount} from "../../contracts/ThresholdAccount.sol";
import {ThresholdAccountFactory} from "../../contracts/ThresholdAccountFactory.sol";
import {RoundtableTestBase} from "./RoundtableTestBase.sol";

/// @notice The cheatcode these tests add to {Vm}: a balance.
// solhint-disable-next-line interface-starts-with-i
interface VmDeal {
    function deal(address account, uint256 newBalance) external;
}

/// @notice What an intent calls: records each call, and fails on request.
contract CallTarget {
    uint256 public total;
    address public lastCaller;

    error CallTargetRefused(uint256 code);

    function deposit(uint256 amount) external payable returns (uint256) {
        total += amount + msg.value;
        lastCaller = msg.sender;
        return total;
    }

    function refuse(uint256 code) external pure {
        revert CallTargetRefused(code);
    }
}

/// @notice The fixture of the {ThresholdAccount} tests (ThresholdAccount.t.sol, ThresholdAccount4337.t.sol): a real
/// {Roundtable} whose key generation is driven to finalization with the x-only key of a secret held here, a factory
/// whose accounts serve {ENTRY_POINT} (an address the ERC-4337 tests call from, standing in for the EntryPoint), and
/// a BIP-340 signer (Sign, with a fixed nonce, as RoundtableTestBase signs key proofs: insecure, and harmless in
/// tests), since EDR has no cheatcode that multiplies a point.
abstract contract ThresholdAccountFixture is RoundtableTestBase {
    VmDeal internal constant keysVm = VmDeal(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @dev The group's secret and x-only key: the base's encryption key pair (d·G of even y).
    uint256 internal constant GROUP_SECRET = ENCRYPTION_SECRET;
    uint256 internal constant GROUP_X = ENCRYPTION_X;
    /// @dev Another group: BIP-340 test vector row 1's secret key and public key (its d·G has odd y).
    uint256 internal constant OTHER_SECRET = 0xB7E151628AED2A6ABF7158809CF4F3C762E7160F38B4DA56A784D9045190CFEF;
    uint256 internal constant OTHER_X = 0xDFF1D77F2A671C5F36183726DB2341BE58FEAE1DA2DECED843240F7B502BA659;
    bytes32 internal constant TAPROOT = "FROST-secp256k1-SHA256-TR-v1";
    bytes32 internal constant RFC9591 = "FROST-secp256k1-SHA256-v1";
    address internal constant RECIPIENT = address(0x2EC1_9137);
    bytes4 internal constant MAGIC = 0x1626ba7e;
    bytes4 internal constant INVALID = 0xffffffff;
    /// @dev Where the accounts' EntryPoint would be: the ERC-4337 tests call from it with vm.prank.
    address internal constant ENTRY_POINT = address(0x4337_E47);

    ThresholdAccountFactory internal factory;
    ThresholdAccount internal account;
    CallTarget internal target;
    uint256 internal groupKey;
    uint256 internal keySession;

    function setUp() public {
        _deploy();
        _loadParties(3, 15);
        factory = new ThresholdAccountFactory(rt, ENTRY_POINT);
        target = new CallTarget();
        groupKey = GROUP_X;
        keySession = _finalizedTaprootKeygen(groupKey);
        account = factory.createAccount(keySession, _taprootKeygenConfig());
        keysVm.deal(address(account), 10 ether);
    }

    // ───────────────────────────────────────────────────── BIP-340 signing

    /// @dev The x-only key of `d`, one of the two pairs above.
    function _xOnly(uint256 d) internal pure returns (uint256) {
        return d == GROUP_SECRET ? GROUP_X : OTHER_X;
    }

    /// @dev Whether `a` is the address of the point (x, y).
    function _isAddressOf(address a, uint256 x, uint256 y) internal pure returns (bool) {
        return a == address(uint160(uint256(keccak256(abi.encode(x, y)))));
    }

    /// @dev BIP-340's Sign of the 32-byte `m` with secret `d`: x(R) | s, s = k + e·d' mod n, where d' is d or
    /// n − d, whichever has the even-y point, and k the base's fixed nonce, whose R has even y. The parity of d·G
    /// is read from its address (vm.addr) against the two points with x = x-only key.
    function _schnorrSign(uint256 d, bytes32 m) internal view returns (bytes memory) {
        uint256 px = _xOnly(d);
        (bool onCurve, uint256 evenY) = Bip340.liftX(px);
        vm.assertTrue(onCurve, "test key lifts");
        address a = vm.addr(d);
        if (!_isAddressOf(a, px, evenY)) {
            vm.assertTrue(_isAddressOf(a, px, SECP256K1_P - evenY), "test secret matches its x-only key");
            d = SECP256K1_N - d;
        }
        bytes32 challenge = sha256(abi.encodePacked(BIP340_CHALLENGE_TAG, BIP340_CHALLENGE_TAG, PROOF_RX, px, m));
        uint256 e = uint256(challenge) % SECP256K1_N;
        return abi.encodePacked(PROOF_RX, addmod(PROOF_NONCE, mulmod(e, d, SECP256K1_N), SECP256K1_N));
    }

    // ────────────────────────────────────────────────────────── fixtures

    function _taprootKeygenConfig() internal view returns (IRoundtable.SessionConfig memory config) {
        config = _keygenConfig(accounts, 2);
        config.ciphersuite = TAPROOT;
    }

    function _finalizedKeygenWith(
        IRoundtable.SessionConfig memory config,
        bytes memory result
    ) internal returns (uint256 sessionId) {
        sessionId = _create(config);
        _acceptAll(sessionId);
        _runKeygenRounds(sessionId, config.threshold);
        _agreeAll(sessionId, 3, result);
    }

    function _finalizedTaprootKeygen(uint256 key) internal returns (uint256) {
        return _finalizedKeygenWith(_taprootKeygenConfig(), abi.encodePacked(key));
    }

    function _transfer(address to, uint256 value) internal pure returns (ThresholdAccount.Call[] memory calls) {
        calls = new ThresholdAccount.Call[](1);
        calls[0] = ThresholdAccount.Call({target: to, value: value, data: ""});
    }

    /// @dev The intent's EIP-712 digest, written out from the type strings independently of the contract.
    function _intentDigest(
        address forAccount,
        uint256 chainId,
        uint256 nonce,
        uint256 deadline,
        ThresholdAccount.Call[] memory calls
    ) internal pure returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Intent(address account,uint256 nonce,uint256 deadline,bytes32 callsHash)"),
                forAccount,
                nonce,
                deadline,
                keccak256(abi.encode(calls))
            )
        );
        return keccak256(abi.encodePacked(hex"1901", _domainSeparator(forAccount, chainId), structHash));
    }

    function _domainSeparator(address forAccount, uint256 chainId) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                    keccak256("Roundtable Threshold Account"),
                    keccak256("1"),
                    chainId,
                    forAccount
                )
            );
    }

    function _messageDigest(address forAccount, bytes32 hash) internal view returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(keccak256("AccountMessage(bytes32 hash)"), hash));
        return keccak256(abi.encodePacked(hex"1901", _domainSeparator(forAccount, block.chainid), structHash));
    }

    /// @dev The group's signature of `calls` as intent `nonce` of `account` on this chain.
    function _signIntent(
        uint256 nonce,
        uint256 deadline,
        ThresholdAccount.Call[] memory calls
    ) internal view returns (bytes memory) {
        return _schnorrSign(GROUP_SECRET, _intentDigest(address(account), block.chainid, nonce, deadline, calls));
    }

    function _badSignature(bytes32 digest) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ThresholdAccount.ThresholdAccountBadSignature.selector, digest);
    }
}
