// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Roundtable} from "../../contracts/Roundtable.sol";
import {IRoundtable} from "../../contracts/IRoundtable.sol";
import {Vm} from "./Vm.sol";

/// @notice Fixtures shared by the Roundtable Solidity tests: party keys in address order, FROST-shaped
/// configurations and payloads, EIP-712 signing of actions, and drivers that move a session to a given phase.
abstract contract RoundtableTestBase {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    uint256 internal constant SECP256K1_P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;
    uint256 internal constant SECP256K1_GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798;

    /// @dev The tests' encryption key: secret d, and x of d·G, whose y is even.
    uint256 internal constant ENCRYPTION_SECRET = 0x0000726f756e647461626c65207465737420656e6372797074696f6e206b6579;
    uint256 internal constant ENCRYPTION_X = 0xb0c6c30f2a6b98e00c1f44b03acc31c7189e2844b60ec2018ef95c0a44303823;
    /// @dev The key proofs' fixed nonce k, and x of R = k·G, whose y is even.
    uint256 internal constant PROOF_NONCE = 0x0000000000726f756e647461626c6520746573742070726f6f66206e6f6e6365;
    uint256 internal constant PROOF_RX = 0xe20db2d1cec5d2c7f09c57def655cf997d8e6b76601fc3bee8fd0f9c8bf37c3d;
    /// @dev sha256("BIP0340/challenge").
    bytes32 internal constant BIP340_CHALLENGE_TAG = sha256("BIP0340/challenge");
    uint256 internal constant MIN_PARTIES = 2;
    uint256 internal constant MIN_THRESHOLD = 2;
    uint256 internal constant MAX_PARTIES = 255;
    uint256 internal constant MAX_ROUNDS = 7;
    uint256 internal constant MAX_DURATION = 30 days;
    uint256 internal constant MAX_PAYLOAD = 16_384;
    uint256 internal constant MAX_RESULT = 64;

    bytes32 internal constant FROST_DKG = "FROST-DKG";
    bytes32 internal constant FROST_SIGN = "FROST-SIGN";
    bytes32 internal constant SCHNORR_FROST = "FROST-secp256k1-SHA256-TR";
    uint32 internal constant ACCEPTANCE = 1 days;
    uint32 internal constant ROUND = 1 hours;

    /// @dev Test time starts at a realistic clock rather than EDR's default of 1.
    uint256 internal constant START = 1_750_000_000;

    /// @dev Packs signed actions as {IRoundtable-batch} reads them: a 16-byte head (action with no wallet allowance,
    /// party, round, accused, session id as 8 bytes, data and signature lengths as 2 bytes), the word for an
    /// acceptance or commitment, the data, the signature.
    function _pack(IRoundtable.SignedAction[] memory items) internal pure returns (bytes memory packed) {
        for (uint256 i = 0; i < items.length; ++i) {
            IRoundtable.SignedAction memory a = items[i];
            bool hasWord = a.action == IRoundtable.ActionType.Accept || a.action == IRoundtable.ActionType.Commit;
            packed = bytes.concat(
                packed,
                abi.encodePacked(
                    uint8(a.action),
                    a.party,
                    a.round,
                    a.accused,
                    uint64(a.sessionId),
                    uint16(a.data.length),
                    uint16(a.signature.length)
                ),
                hasWord ? abi.encodePacked(a.word) : bytes(""),
                a.data,
                a.signature
            );
        }
    }

    address internal constant INITIATOR = address(0x1417_1A70);
    address internal constant STRANGER = address(0x5742_A93E);

    Roundtable internal rt;

    /// @dev Parties of the default fixture, in strictly increasing address order, with their private keys.
    address[] internal accounts;
    uint256[] internal keys;

    function _deploy() internal {
        vm.warp(START);
        rt = _newRoundtable();
        vm.label(address(rt), "Roundtable");
        vm.label(INITIATOR, "initiator");
        vm.label(STRANGER, "stranger");
    }

    /// @dev The deployment under test; a hook so that a variant of the contract can be run against this suite.
    function _newRoundtable() internal virtual returns (Roundtable) {
        return new Roundtable();
    }

    /// @dev Loads `n` fresh parties (keys derived from `salt`) into the `accounts`/`keys` fixture.
    function _loadParties(uint256 n, uint256 salt) internal {
        (address[] memory a, uint256[] memory k) = _makeParties(n, salt);
        delete accounts;
        delete keys;
        for (uint256 i = 0; i < n; ++i) {
            accounts.push(a[i]);
            keys.push(k[i]);
        }
    }

    // ───────────────────────────────────────────────────────── parties

    /// @dev `n` keys derived from `salt`, sorted by their addresses (insertion sort: n is at most 255).
    function _makeParties(
        uint256 n,
        uint256 salt
    ) internal pure returns (address[] memory parties, uint256[] memory privateKeys) {
        parties = new address[](n);
        privateKeys = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 key = (uint256(keccak256(abi.encode("roundtable party", salt, i))) % (SECP256K1_N - 1)) + 1;
            address account = vm.addr(key);
            uint256 j = i;
            while (j > 0 && parties[j - 1] > account) {
                parties[j] = parties[j - 1];
                privateKeys[j] = privateKeys[j - 1];
                --j;
            }
            parties[j] = account;
            privateKeys[j] = key;
        }
    }

    /// @dev `n` ascending addresses without keys, for creation-only tests.
    function _plainParties(uint256 n) internal pure returns (address[] memory parties) {
        parties = new address[](n);
        for (uint256 i = 0; i < n; ++i) {
            parties[i] = address(uint160(0x10_0000 + i));
        }
    }

    /// @dev Inserts `account` (a contract wallet) into sorted `parties`, with `key` as the key that signs for it.
    function _insertParty(
        address[] memory parties,
        uint256[] memory privateKeys,
        address account,
        uint256 key
    ) internal pure returns (address[] memory outParties, uint256[] memory outKeys, uint8 index) {
        uint256 n = parties.length;
        outParties = new address[](n + 1);
        outKeys = new uint256[](n + 1);
        uint256 j = 0;
        bool placed = false;
        for (uint256 i = 0; i <= n; ++i) {
            if (!placed && (j == n || account < parties[j])) {
                outParties[i] = account;
                outKeys[i] = key;
                index = uint8(i);
                placed = true;
            } else {
                outParties[i] = parties[j];
                outKeys[i] = privateKeys[j];
                ++j;
            }
        }
    }

    // ──────────────────────────────────────────────────────── configs

    /// @dev FROST key generation: round 1 (commitments and proof of knowledge) is commit-then-reveal, round 2 (one
    /// encrypted share per recipient) is a plain submission, round 3 is agreement on the group key.
    function _keygenConfig(
        address[] memory parties,
        uint8 threshold
    ) internal pure returns (IRoundtable.SessionConfig memory config) {
        IRoundtable.RoundSpec[] memory rounds = new IRoundtable.RoundSpec[](3);
        rounds[0] = IRoundtable.RoundSpec({duration: ROUND, commitReveal: true});
        rounds[1] = IRoundtable.RoundSpec({duration: ROUND, commitReveal: false});
        rounds[2] = IRoundtable.RoundSpec({duration: ROUND, commitReveal: false});
        config = IRoundtable.SessionConfig({
            kind: IRoundtable.SessionKind.KeyGeneration,
            protocol: FROST_DKG,
            ciphersuite: SCHNORR_FROST,
            parties: parties,
            threshold: threshold,
            rounds: rounds,
            acceptanceDuration: ACCEPTANCE,
            keySession: 0,
            message: bytes32(0),
            params: ""
        });
    }

    /// @dev The same schedule without commit-reveal: round 1, round 2, agreement.
    function _plainKeygenConfig(
        address[] memory parties,
        uint8 threshold
    ) internal pure returns (IRoundtable.SessionConfig memory config) {
        config = _keygenConfig(parties, threshold);
        config.rounds[0].commitReveal = false;
    }

    /// @dev FROST signing: round 1 nonce commitments, round 2 signature shares, round 3 agreement on the signature.
    function _signingConfig(
        address[] memory signers,
        uint8 threshold,
        uint256 keySession,
        bytes32 message
    ) internal pure returns (IRoundtable.SessionConfig memory config) {
        config = _plainKeygenConfig(signers, threshold);
        config.kind = IRoundtable.SessionKind.Signing;
        config.protocol = FROST_SIGN;
        config.keySession = keySession;
        config.message = message;
    }

    function _create(IRoundtable.SessionConfig memory config) internal returns (uint256 sessionId) {
        vm.prank(INITIATOR);
        sessionId = rt.createSession(config);
    }

    // ─────────────────────────────────────────────────────── payloads

    /// @dev The one encryption key every party registers: 0x02 | x of d·G (even y). A key proof is bound to its
    /// session and party by its digest, so the contract accepts the same key for every party.
    function _encryptionKey() internal pure returns (bytes memory) {
        return abi.encodePacked(bytes1(0x02), ENCRYPTION_X);
    }

    /// @dev The BIP-340 proof of possession of {_encryptionKey} for (`target`, `sessionId`, `party`): rx | s with
    /// s = k + e·d mod n and e = int(hash_BIP0340/challenge(rx | x | m)) mod n (BIP-340's Sign, with d and R = k·G
    /// both of even y, so neither is negated). The nonce is fixed: insecure, and harmless in tests.
    function _keyProofFor(
        Roundtable target,
        uint256 sessionId,
        uint8 party,
        bytes memory key
    ) internal view returns (bytes memory) {
        bytes32 m = target.keyProofDigestOf(sessionId, party, key);
        bytes32 x = bytes32(ENCRYPTION_X);
        if (key.length == 33) {
            assembly ("memory-safe") {
                x := mload(add(key, 0x21))
            }
        }
        uint256 e =
            uint256(sha256(abi.encodePacked(BIP340_CHALLENGE_TAG, BIP340_CHALLENGE_TAG, PROOF_RX, x, m))) % SECP256K1_N;
        uint256 s = addmod(PROOF_NONCE, mulmod(e, ENCRYPTION_SECRET, SECP256K1_N), SECP256K1_N);
        return abi.encodePacked(PROOF_RX, s);
    }

    function _keyProof(uint256 sessionId, uint8 party) internal view returns (bytes memory) {
        return _keyProofFor(rt, sessionId, party, _encryptionKey());
    }

    /// @dev A SignedAction's Accept data: key (33) | proof (64), then the delegate (20) unless it is zero.
    function _acceptData(uint256 sessionId, uint8 party, address delegate) internal view returns (bytes memory) {
        bytes memory data = abi.encodePacked(_encryptionKey(), _keyProof(sessionId, party));
        return delegate == address(0) ? data : abi.encodePacked(data, delegate);
    }

    /// @dev The calldata of `party`'s correct direct acceptance of `sessionId`, naming no delegate.
    function _acceptCall(uint256 sessionId, uint8 party) internal view returns (bytes memory) {
        return
            abi.encodeCall(
                rt.accept,
                (
                    sessionId,
                    party,
                    rt.configHashOf(sessionId),
                    _encryptionKey(),
                    _keyProof(sessionId, party),
                    address(0)
                )
            );
    }

    function _payload(uint256 length, uint256 seed) internal pure returns (bytes memory out) {
        out = new bytes(length);
        bytes32 word = keccak256(abi.encode("payload", seed));
        // Each store writes a whole word; `new bytes` allocates whole words, so the last one stays in bounds.
        for (uint256 i = 0; i < length; i += 32) {
            assembly ("memory-safe") {
                mstore(add(add(out, 0x20), i), word)
            }
            word = keccak256(abi.encode(word));
        }
    }

    /// @dev FROST key generation round 1: t commitment points (33 bytes each) and a proof of knowledge (65 bytes).
    function _round1Payload(uint256 threshold, uint256 party) internal pure returns (bytes memory) {
        return _payload(33 * threshold + 65, party);
    }

    /// @dev FROST key generation round 2: one share (32 bytes) with its AEAD tag (16 bytes) per other party.
    function _round2Payload(uint256 n, uint256 party) internal pure returns (bytes memory) {
        return _payload(48 * (n - 1), 1000 + party);
    }

    /// @dev The agreed group public key: a compressed point.
    function _groupKey(uint256 seed) internal pure returns (bytes memory) {
        return abi.encodePacked(bytes1(0x03), keccak256(abi.encode("group key", seed)));
    }

    // ────────────────────────────────────────────────── direct actions

    function _accept(uint256 sessionId, uint8 party) internal {
        _acceptAs(accounts[party], sessionId, party);
    }

    function _acceptAll(uint256 sessionId) internal {
        for (uint256 i = 0; i < rt.sessionState(sessionId).partyCount; ++i) _accept(sessionId, uint8(i));
    }

    function _acceptAs(address account, uint256 sessionId, uint8 party) internal {
        _acceptNaming(account, sessionId, party, address(0));
    }

    /// @dev `account` accepts for `party` with a valid key proof, naming `delegate` (zero for none).
    function _acceptNaming(address account, uint256 sessionId, uint8 party, address delegate) internal {
        bytes32 configHash = rt.configHashOf(sessionId);
        bytes memory key = _encryptionKey();
        bytes memory proof = _keyProof(sessionId, party);
        vm.prank(account);
        rt.accept(sessionId, party, configHash, key, proof, delegate);
    }

    function _submitAs(address account, uint256 sessionId, uint8 party, uint8 round, bytes memory payload) internal {
        vm.prank(account);
        rt.submit(sessionId, party, round, payload);
    }

    function _commit(uint256 sessionId, uint8 party, uint8 round, bytes memory payload) internal {
        bytes32 commitment = rt.commitmentOf(sessionId, round, accounts[party], payload);
        vm.prank(accounts[party]);
        rt.commit(sessionId, party, round, commitment);
    }

    function _submit(uint256 sessionId, uint8 party, uint8 round, bytes memory payload) internal {
        vm.prank(accounts[party]);
        rt.submit(sessionId, party, round, payload);
    }

    /// @dev Runs round 1 (commit then reveal) and round 2 of key generation for every party of the fixture.
    function _runKeygenRounds(uint256 sessionId, uint8 threshold) internal {
        uint256 n = accounts.length;
        for (uint256 i = 0; i < n; ++i) _commit(sessionId, uint8(i), 1, _round1Payload(threshold, i));
        for (uint256 i = 0; i < n; ++i) _submit(sessionId, uint8(i), 1, _round1Payload(threshold, i));
        for (uint256 i = 0; i < n; ++i) _submit(sessionId, uint8(i), 2, _round2Payload(n, i));
    }

    function _agreeAll(uint256 sessionId, uint8 round, bytes memory result) internal {
        for (uint256 i = 0; i < accounts.length; ++i) _submit(sessionId, uint8(i), round, result);
    }

    /// @dev A finalized key generation among the fixture's parties; returns its id.
    function _finalizedKeygen(uint8 threshold) internal returns (uint256 sessionId) {
        sessionId = _create(_keygenConfig(accounts, threshold));
        _acceptAll(sessionId);
        _runKeygenRounds(sessionId, threshold);
        _agreeAll(sessionId, 3, _groupKey(sessionId));
    }

    // ────────────────────────────────────────────────── signed actions

    function _action(
        IRoundtable.ActionType actionType,
        uint256 sessionId,
        uint8 party,
        uint8 round,
        bytes32 word,
        bytes memory data
    ) internal pure returns (IRoundtable.SignedAction memory a) {
        a.action = actionType;
        a.sessionId = sessionId;
        a.party = party;
        a.round = round;
        a.word = word;
        a.data = data;
    }

    /// @dev Signs `a` with `key` against `target`'s EIP-712 domain (65 bytes r | s | v, low s from vm.sign).
    function _signFor(
        Roundtable target,
        uint256 key,
        IRoundtable.SignedAction memory a
    ) internal view returns (IRoundtable.SignedAction memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, target.digestOf(a));
        a.signature = abi.encodePacked(r, s, v);
        return a;
    }

    function _sign(
        uint256 key,
        IRoundtable.SignedAction memory a
    ) internal view returns (IRoundtable.SignedAction memory) {
        return _signFor(rt, key, a);
    }

    function _signedAccept(uint256 sessionId, uint8 party) internal view returns (IRoundtable.SignedAction memory) {
        IRoundtable.SignedAction memory a = _action(
            IRoundtable.ActionType.Accept,
            sessionId,
            party,
            0,
            rt.configHashOf(sessionId),
            _acceptData(sessionId, party, address(0))
        );
        return _sign(keys[party], a);
    }

    function _signedSubmit(
        uint256 sessionId,
        uint8 party,
        uint8 round,
        bytes memory payload
    ) internal view returns (IRoundtable.SignedAction memory) {
        return _sign(keys[party], _action(IRoundtable.ActionType.Submit, sessionId, party, round, 0, payload));
    }

    // ─────────────────────────────────────────────────────── hashing

    /// @dev The EIP-712 struct hashes, written out from their type strings independently of the contract.
    function _submitStructHash(
        uint256 sessionId,
        uint8 party,
        uint8 round,
        bytes memory payload
    ) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256("Submit(uint256 sessionId,uint8 party,uint8 round,bytes payload)"),
                    sessionId,
                    party,
                    round,
                    keccak256(payload)
                )
            );
    }

    function _acceptStructHash(
        uint256 sessionId,
        uint8 party,
        bytes32 configHash,
        bytes memory encryptionKey,
        address delegate
    ) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256(
                        "Accept(uint256 sessionId,uint8 party,bytes32 configHash,bytes encryptionKey,address delegate)"
                    ),
                    sessionId,
                    party,
                    configHash,
                    keccak256(encryptionKey),
                    delegate
                )
            );
    }

    function _commitStructHash(
        uint256 sessionId,
        uint8 party,
        uint8 round,
        bytes32 commitment
    ) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256("Commit(uint256 sessionId,uint8 party,uint8 round,bytes32 commitment)"),
                    sessionId,
                    party,
                    round,
                    commitment
                )
            );
    }

    function _complainStructHash(
        uint256 sessionId,
        uint8 party,
        uint8 round,
        uint8 accused,
        bytes memory evidence
    ) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256("Complain(uint256 sessionId,uint8 party,uint8 round,uint8 accused,bytes evidence)"),
                    sessionId,
                    party,
                    round,
                    accused,
                    keccak256(evidence)
                )
            );
    }

    function _fold(bytes32 transcript, uint8 party, bytes32 structHash) internal pure returns (bytes32) {
        return keccak256(abi.encode(transcript, party, structHash));
    }

    // ────────────────────────────────────────────────────── utilities

    /// @dev forge-std's `bound`: maps x into [min, max], sending small and huge inputs to the edges.
    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (x >= min && x <= max) return x;
        uint256 size = max - min + 1;
        if (x <= 3 && size > x) return min + x;
        if (x >= type(uint256).max - 3 && size > type(uint256).max - x) return max - (type(uint256).max - x);
        if (x > max) {
            uint256 rem = (x - max) % size;
            return rem == 0 ? max : min + rem - 1;
        }
        uint256 remBelow = (min - x) % size;
        return remBelow == 0 ? min : max - remBelow + 1;
    }

    /// @dev bytes `data[start:end]` of a memory array.
    function _slice(bytes memory data, uint256 start, uint256 end) internal pure returns (bytes memory out) {
        out = new bytes(end - start);
        for (uint256 i = start; i < end; ++i) out[i - start] = data[i];
    }

    function _phase(uint256 sessionId) internal view returns (IRoundtable.Phase) {
        return rt.sessionState(sessionId).phase;
    }

    function _assertPhase(uint256 sessionId, IRoundtable.Phase expected, string memory what) internal view {
        vm.assertEq(uint256(_phase(sessionId)), uint256(expected), what);
    }

    function _err(
        bytes4 selector,
        uint256 sessionId,
        uint8 party,
        address account
    ) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(selector, sessionId, party, account);
    }
}
