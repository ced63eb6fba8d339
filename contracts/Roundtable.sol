// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SSTORE2} from "solady/src/utils/SSTORE2.sol";
import {Bip340} from "./Bip340.sol";
import {IRoundtable} from "./IRoundtable.sol";

/// @title Roundtable
/// @notice See {IRoundtable}. No owner, no proxy, no trusted forwarder: the log is only as trustworthy as this
/// code, so nobody can change it.
/// @dev Storage holds per session one packed header slot, the running transcript hash, one acted-bitmap slot,
/// commitments for commit-then-reveal rounds and the agreed result. The immutable part of the configuration
/// (its hash, the initiator, the parties, the round schedule) is written once as contract code (SSTORE2),
/// which costs 200 gas a byte instead of 22,100 gas a slot and keeps creation at 255 parties under 5M gas.
/// Payloads travel in calldata and events only.
contract Roundtable is IRoundtable, EIP712 {
    uint256 public constant MAX_PARTIES = 255;
    /// @dev A threshold protocol needs at least two parties and a threshold of at least two: with one, any single
    /// party holds the whole key (FROST refuses it), so honest runners could only fail.
    uint256 public constant MIN_PARTIES = 2;
    uint256 public constant MIN_THRESHOLD = 2;
    uint256 public constant MAX_ROUNDS = 7;
    uint256 public constant MAX_DURATION = 30 days;
    /// @dev FROST key generation's second round at 255 parties is 48 * 254 = 12,192 bytes plus a header.
    uint256 public constant MAX_PAYLOAD_BYTES = 16_384;
    uint256 public constant MAX_PARAMS_BYTES = 1024;
    /// @dev Results are a group key (32 or 33 bytes) or a signature (64 bytes for BIP-340, 65 for RFC 9591's
    /// secp256k1 suite); three result slots hold up to 96, and a result only fills the slots it needs.
    uint256 public constant MAX_RESULT_BYTES = 96;
    uint256 public constant ENCRYPTION_KEY_BYTES = 33;
    uint256 public constant KEY_PROOF_BYTES = 64;
    /// @dev Gas a contract wallet (ERC-1271) gets to check a signature: a Safe with many owners, or a passkey
    /// wallet verifying P-256 in Solidity, fits.
    uint256 public constant ERC1271_GAS = 500_000;
    /// @dev A batch item may give a wallet's check less than ERC1271_GAS, in steps of this much (see {batch}).
    uint256 public constant WALLET_GAS_UNIT = 8_000;

    // Every struct names its party: an account that two parties share (or a wallet that checks raw digests for its
    // owner) can never have one party's signature fill another party's slot.
    // keccak256("Accept(uint256 sessionId,uint8 party,bytes32 configHash,bytes encryptionKey,address delegate)")
    bytes32 private constant _ACCEPT_TYPEHASH = keccak256(
        "Accept(uint256 sessionId,uint8 party,bytes32 configHash,bytes encryptionKey,address delegate)"
    );
    // keccak256("Commit(uint256 sessionId,uint8 party,uint8 round,bytes32 commitment)")
    bytes32 private constant _COMMIT_TYPEHASH = keccak256(
        "Commit(uint256 sessionId,uint8 party,uint8 round,bytes32 commitment)"
    );
    // keccak256("Submit(uint256 sessionId,uint8 party,uint8 round,bytes payload)")
    bytes32 private constant _SUBMIT_TYPEHASH = keccak256(
        "Submit(uint256 sessionId,uint8 party,uint8 round,bytes payload)"
    );
    // keccak256("Complain(uint256 sessionId,uint8 party,uint8 round,uint8 accused,bytes evidence)")
    bytes32 private constant _COMPLAIN_TYPEHASH = keccak256(
        "Complain(uint256 sessionId,uint8 party,uint8 round,uint8 accused,bytes evidence)"
    );
    // keccak256("EncryptionKeyProof(uint256 sessionId,uint8 party,bytes encryptionKey)"): what the encryption key's
    // own secret signs (BIP-340) to prove the key is this party's, for this session.
    bytes32 private constant _KEY_PROOF_TYPEHASH = keccak256(
        "EncryptionKeyProof(uint256 sessionId,uint8 party,bytes encryptionKey)"
    );
    /// @dev x-coordinate of the secp256k1 generator: a key whose secret is 1 (or n - 1) is public knowledge.
    uint256 private constant _GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798;

    /// @dev A packed batch item's head: action and wallet allowance, party, round, accused (1 byte each), session id
    /// (8), data length (2), signature length (2).
    uint256 private constant _ITEM_HEAD_BYTES = 16;

    // Header.flags bits.
    uint8 private constant _FLAG_SIGNING = 1;
    uint8 private constant _FLAG_COMMIT_STEP = 2;
    uint8 private constant _FLAG_REVEAL_STEP = 4;
    // Every party acts exactly once per phase, so when a phase opens all n acted-bits are equal. Instead of
    // clearing the bitmap (a 20,000-gas zero-to-nonzero write per phase), this bit says which value means
    // "not yet acted" in the current phase; it flips as each phase completes.
    uint8 private constant _FLAG_PARITY = 8;
    uint8 private constant _FLAG_DISAGREED = 16;
    // Set when a complaint aborted the session; resultLength then holds the complainant's index + 1, so its own
    // complaint sent again (a relayed copy) is skipped as already recorded.
    uint8 private constant _FLAG_COMPLAINED = 32;
    // Always set in a written acted-bitmap (party indexes stop at 254): the slot then never returns to zero, so no
    // phase pays a 20,000-gas zero-to-nonzero write after the first.
    uint256 private constant _ACTED_SENTINEL = 1 << 255;

    // Layout of the SSTORE2 blob: configHash (32) | initiator (20) | creation block (8, big-endian) | parties (20 each)
    // | commit-reveal mask (1) | round durations (4 each, big-endian).
    uint256 private constant _INITIATOR_OFFSET = 32;
    uint256 private constant _CREATION_BLOCK_OFFSET = 52;
    uint256 private constant _PARTIES_OFFSET = 60;

    /// @dev One storage slot: 20 + 5 + 7 bytes.
    struct Header {
        address blob;
        uint40 deadline;
        uint8 partyCount;
        uint8 threshold;
        uint8 round;
        uint8 roundCount;
        Status status;
        uint8 flags;
        uint8 resultLength;
    }

    uint256 private _sessionCount;
    mapping(uint256 sessionId => Header) private _headers;
    mapping(uint256 sessionId => bytes32) private _transcripts;
    mapping(uint256 sessionId => uint256) private _actedBits;
    mapping(uint256 sessionId => mapping(uint256 party => bytes32)) private _commitments;
    mapping(uint256 sessionId => bytes32[3]) private _results;
    /// @dev Written only when an acceptance names a delegate, and read only when a signature is not the party's
    /// own, so sessions without delegates pay nothing for them.
    mapping(uint256 sessionId => mapping(uint256 party => address)) private _delegates;
    /// @dev The wallet allowance of the batch item being applied, zero outside {batch} (then ERC1271_GAS). Transient:
    /// nothing of it outlives the transaction, and a wallet's staticcall cannot write it.
    uint256 private transient _itemWalletGas;

    constructor() EIP712("Roundtable", "1") {}

    // ───────────────────────────────────────────────────────────── creation

    /// @inheritdoc IRoundtable
    function createSession(SessionConfig calldata config) external returns (uint256 sessionId) {
        uint256 n = config.parties.length;
        _requirePartyCount(n);
        _requireThreshold(config.threshold, n);
        _requireAscendingParties(config.parties);
        _requireSchedule(config.acceptanceDuration, config.rounds);
        _requireParamsLength(config.params.length);
        bool signing = config.kind == SessionKind.Signing;
        if (signing) {
            _requireSigningParams(config);
        } else if (config.keySession != 0 || config.message != 0) {
            revert RoundtableSigningParamsOnKeyGeneration(config.keySession, config.message);
        }

        sessionId = ++_sessionCount;
        bytes32 configHash = keccak256(abi.encode(config));
        uint40 deadline = uint40(block.timestamp + config.acceptanceDuration);
        _headers[sessionId] = Header({
            blob: SSTORE2.write(_encodeBlob(configHash, config)),
            deadline: deadline,
            partyCount: uint8(n),
            threshold: config.threshold,
            round: 0,
            roundCount: uint8(config.rounds.length),
            status: Status.Active,
            flags: signing ? _FLAG_SIGNING : 0,
            resultLength: 0
        });

        emit SessionCreated(sessionId, msg.sender, configHash, deadline, config);
        for (uint256 i = 0; i < n; ++i) {
            emit PartyInvited(sessionId, config.parties[i], uint8(i));
        }
    }

    // ─────────────────────────────────────────────────────── party actions

    /// @inheritdoc IRoundtable
    function accept(
        uint256 sessionId,
        uint8 party,
        bytes32 configHash,
        bytes calldata encryptionKey,
        bytes calldata keyProof,
        address delegate
    ) external {
        bytes memory failure = _checkEncryptionKey(sessionId, party, encryptionKey, keyProof);
        if (failure.length == 0)
            failure = _tryAccept(sessionId, party, configHash, encryptionKey, delegate, msg.data[0:0]);
        _revertIfFailed(failure);
    }

    /// @inheritdoc IRoundtable
    function commit(uint256 sessionId, uint8 party, uint8 round, bytes32 commitment) external {
        _revertIfFailed(_tryCommit(sessionId, party, round, commitment, msg.data[0:0]));
    }

    /// @inheritdoc IRoundtable
    function submit(uint256 sessionId, uint8 party, uint8 round, bytes calldata payload) external {
        _revertIfFailed(_trySubmit(sessionId, party, round, payload, msg.data[0:0]));
    }

    /// @inheritdoc IRoundtable
    function complain(uint256 sessionId, uint8 party, uint8 round, uint8 accused, bytes calldata evidence) external {
        _revertIfFailed(_tryComplain(sessionId, party, round, accused, evidence, msg.data[0:0]));
    }

    /// @inheritdoc IRoundtable
    function applySigned(SignedAction calldata action) external {
        _revertIfFailed(
            _trySigned(
                action.action,
                action.sessionId,
                action.party,
                action.round,
                action.accused,
                action.word,
                action.data,
                action.signature
            )
        );
    }

    /// @inheritdoc IRoundtable
    /// @dev Validate, then apply, item by item, in this call: every check runs before an item writes anything and
    /// returns its failure instead of reverting, so an invalid item is skipped or rejected without undoing the
    /// others and without a self-call per item. Only running out of gas reverts: the whole batch then, so that a
    /// relayer cannot make a valid item fail by sending too little gas.
    function batch(bytes calldata items) external {
        uint256 at = 0;
        for (uint256 i = 0; at < items.length; ++i) {
            uint256 head;
            bytes32 word;
            bytes calldata data;
            bytes calldata signature;
            (head, word, data, signature, at) = _unpackItem(items, at);
            uint256 freeMemory = _freeMemoryPointer();
            // The upper six bits of the first byte: the wallet allowance in WALLET_GAS_UNITs (0: ERC1271_GAS).
            uint256 walletGas = ((head >> 122) & 0x3f) * WALLET_GAS_UNIT;
            if (walletGas != 0) _itemWalletGas = walletGas;
            bytes memory failure = _trySigned(
                ActionType((head >> 120) & 0x03),
                uint64(head >> 32),
                uint8(head >> 112),
                uint8(head >> 104),
                uint8(head >> 96),
                word,
                data,
                signature
            );
            if (failure.length != 0) {
                bytes4 selector = bytes4(failure);
                if (selector == RoundtableSignatureCheckOutOfGas.selector) revert RoundtableBatchOutOfGas(i, gasleft());
                if (selector == RoundtableAlreadyActed.selector) {
                    emit ActionSkipped(uint64(head >> 32), i, uint8(head >> 112));
                } else {
                    emit ActionRejected(uint64(head >> 32), i, uint8(head >> 112), failure);
                }
            }
            if (walletGas != 0) _itemWalletGas = 0;
            // Nothing an item allocated is used after it: reusing its memory keeps a long batch from paying
            // memory expansion, which grows with the square of the memory used.
            _setFreeMemoryPointer(freeMemory);
        }
    }

    /// @inheritdoc IRoundtable
    function expire(uint256 sessionId) external {
        Header memory h = _activeHeader(sessionId);
        if (block.timestamp <= h.deadline) {
            revert RoundtableDeadlineNotPassed(sessionId, h.deadline, block.timestamp);
        }
        uint256 blame = _fullMask(h.partyCount) & ~_actedMask(_actedBits[sessionId], h);
        h.status = Status.Aborted;
        _headers[sessionId] = h;
        emit SessionAborted(sessionId, AbortReason.Expired, blame, _transcripts[sessionId]);
    }

    /// @inheritdoc IRoundtable
    function cancel(uint256 sessionId) external {
        Header memory h = _activeHeader(sessionId);
        if (h.round != 0) revert RoundtableUnexpectedPhase(sessionId, _openPhase(h), Phase.Accepting);
        // After the acceptance deadline the session is expired: `expire` ends it and records who never accepted,
        // which a cancellation would erase.
        _requireBeforeDeadline(sessionId, h);
        address initiator = _readAddress(h.blob, _INITIATOR_OFFSET);
        if (msg.sender != initiator) revert RoundtableNotInitiator(sessionId, initiator, msg.sender);
        h.status = Status.Cancelled;
        _headers[sessionId] = h;
        emit SessionCancelled(sessionId);
    }

    // ──────────────────────────────────────────────────────────────── views

    /// @inheritdoc IRoundtable
    function sessionCount() external view returns (uint256) {
        return _sessionCount;
    }

    /// @inheritdoc IRoundtable
    function sessionState(uint256 sessionId) external view returns (SessionState memory state) {
        Header memory h = _header(sessionId);
        state.round = h.round;
        state.roundCount = h.roundCount;
        state.partyCount = h.partyCount;
        state.deadline = h.deadline;
        state.acted = _actedMask(_actedBits[sessionId], h);
        if (h.status == Status.Finalized) state.phase = Phase.Finalized;
        else if (h.status == Status.Aborted) state.phase = Phase.Aborted;
        else if (h.status == Status.Cancelled) state.phase = Phase.Cancelled;
        else if (block.timestamp > h.deadline) state.phase = Phase.Expired;
        else state.phase = _openPhase(h);
    }

    /// @inheritdoc IRoundtable
    function configHashOf(uint256 sessionId) external view returns (bytes32) {
        return bytes32(SSTORE2.read(_header(sessionId).blob, 0, 32));
    }

    /// @inheritdoc IRoundtable
    function initiatorOf(uint256 sessionId) external view returns (address) {
        return _readAddress(_header(sessionId).blob, _INITIATOR_OFFSET);
    }

    /// @inheritdoc IRoundtable
    function creationBlockOf(uint256 sessionId) external view returns (uint256) {
        uint256 offset = _CREATION_BLOCK_OFFSET;
        return uint64(bytes8(SSTORE2.read(_header(sessionId).blob, offset, offset + 8)));
    }

    /// @inheritdoc IRoundtable
    function partiesOf(uint256 sessionId) external view returns (address[] memory parties) {
        Header memory h = _header(sessionId);
        bytes memory packed = SSTORE2.read(h.blob, _PARTIES_OFFSET, _PARTIES_OFFSET + 20 * uint256(h.partyCount));
        parties = new address[](h.partyCount);
        for (uint256 i = 0; i < parties.length; ++i) {
            parties[i] = _addressAt(packed, 20 * i);
        }
    }

    /// @inheritdoc IRoundtable
    function thresholdOf(uint256 sessionId) external view returns (uint8) {
        return _header(sessionId).threshold;
    }

    /// @inheritdoc IRoundtable
    function transcriptOf(uint256 sessionId) external view returns (bytes32) {
        _header(sessionId);
        return _transcripts[sessionId];
    }

    /// @inheritdoc IRoundtable
    function resultOf(uint256 sessionId) external view returns (bytes memory) {
        Header memory h = _header(sessionId);
        if (h.status != Status.Finalized) revert RoundtableNoResult(sessionId, h.status);
        return _loadResult(sessionId, h.resultLength);
    }

    /// @inheritdoc IRoundtable
    function hashConfig(SessionConfig calldata config) external pure returns (bytes32) {
        return keccak256(abi.encode(config));
    }

    /// @inheritdoc IRoundtable
    function commitmentOf(
        uint256 sessionId,
        uint8 round,
        address party,
        bytes calldata payload
    ) external pure returns (bytes32) {
        return _commitment(sessionId, round, party, keccak256(payload));
    }

    /// @inheritdoc IRoundtable
    function digestOf(SignedAction calldata action) external view returns (bytes32) {
        bytes32 structHash;
        if (action.action == ActionType.Accept) {
            (bytes calldata key, , address delegate, bool wellFormed) = _splitAcceptData(action.data);
            if (!wellFormed) revert RoundtableInvalidAcceptData(action.sessionId, action.party, action.data.length);
            structHash = _acceptHash(action.sessionId, action.party, action.word, key, delegate);
        } else if (action.action == ActionType.Commit) {
            structHash = _commitHash(action.sessionId, action.party, action.round, action.word);
        } else if (action.action == ActionType.Submit) {
            structHash = _submitHash(action.sessionId, action.party, action.round, keccak256(action.data));
        } else {
            structHash = _complainHash(action.sessionId, action.party, action.round, action.accused, action.data);
        }
        return _hashTypedDataV4(structHash);
    }

    /// @inheritdoc IRoundtable
    function keyProofDigestOf(
        uint256 sessionId,
        uint8 party,
        bytes calldata encryptionKey
    ) external view returns (bytes32) {
        return _keyProofDigest(sessionId, party, encryptionKey);
    }

    /// @inheritdoc IRoundtable
    function delegateOf(uint256 sessionId, uint8 party) external view returns (address) {
        _header(sessionId);
        return _delegates[sessionId][party];
    }

    // ────────────────────────────────────────────────── action internals

    /// @dev The signed route of every action. An empty signature means "authorized by msg.sender", which inside
    /// {batch} would be whoever sent the batch: a signed action must carry a signature.
    function _trySigned(
        ActionType action,
        uint256 sessionId,
        uint8 party,
        uint8 round,
        uint8 accused,
        bytes32 word,
        bytes calldata data,
        bytes calldata signature
    ) private returns (bytes memory) {
        if (signature.length == 0) {
            return abi.encodeWithSelector(RoundtableMissingSignature.selector, sessionId, party);
        }
        if (action == ActionType.Accept) return _trySignedAccept(sessionId, party, word, data, signature);
        if (action == ActionType.Commit) return _tryCommit(sessionId, party, round, word, signature);
        if (action == ActionType.Submit) return _trySubmit(sessionId, party, round, data, signature);
        return _tryComplain(sessionId, party, round, accused, data, signature);
    }

    function _trySignedAccept(
        uint256 sessionId,
        uint8 party,
        bytes32 configHash,
        bytes calldata data,
        bytes calldata signature
    ) private returns (bytes memory failure) {
        (bytes calldata key, bytes calldata proof, address delegate, bool wellFormed) = _splitAcceptData(data);
        if (!wellFormed) {
            return abi.encodeWithSelector(RoundtableInvalidAcceptData.selector, sessionId, party, data.length);
        }
        failure = _checkEncryptionKey(sessionId, party, key, proof);
        if (failure.length != 0) return failure;
        return _tryAccept(sessionId, party, configHash, key, delegate, signature);
    }

    // Each _try* checks everything first and returns the custom error an invalid action gets (empty when valid), and
    // only then writes: nothing after the checks can fail but running out of gas.

    function _tryAccept(
        uint256 sessionId,
        uint8 party,
        bytes32 configHash,
        bytes calldata encryptionKey,
        address delegate,
        bytes calldata signature
    ) private returns (bytes memory failure) {
        Header memory h;
        (h, failure) = _openSlotHeader(sessionId, party, 0, false);
        if (failure.length != 0) return failure;
        if (block.timestamp > h.deadline) return _deadlinePassed(sessionId, h);
        address account = _partyAt(h, party);
        {
            bytes32 expected = bytes32(SSTORE2.read(h.blob, 0, 32));
            if (configHash != expected) {
                return abi.encodeWithSelector(RoundtableConfigHashMismatch.selector, sessionId, expected, configHash);
            }
        }
        uint256 bits = _actedBits[sessionId];
        if (_hasActed(bits, h, party)) return _alreadyActed(sessionId, h.round, party);
        if (delegate == account) {
            return abi.encodeWithSelector(RoundtableInvalidDelegate.selector, sessionId, party, delegate);
        }
        bytes32 structHash = _acceptHash(sessionId, party, configHash, encryptionKey, delegate);
        // Only the party's own account accepts: a delegate exists only once this acceptance names it.
        failure = _checkAccountSignature(sessionId, party, account, structHash, signature);
        if (failure.length != 0) return failure;

        if (delegate != address(0)) _delegates[sessionId][party] = delegate;
        emit PartyAccepted(sessionId, account, party, encryptionKey, delegate);
        _recordAction(sessionId, h, bits, party, structHash);
    }

    function _tryCommit(
        uint256 sessionId,
        uint8 party,
        uint8 round,
        bytes32 commitment,
        bytes calldata signature
    ) private returns (bytes memory failure) {
        Header memory h;
        (h, failure) = _openSlotHeader(sessionId, party, round, true);
        if (failure.length != 0) return failure;
        if (round != h.round) return _unexpectedRound(sessionId, h, round);
        Phase phase = _openPhase(h);
        if (phase != Phase.Committing) return _unexpectedPhase(sessionId, phase, Phase.Committing);
        if (block.timestamp > h.deadline) return _deadlinePassed(sessionId, h);
        if (commitment == bytes32(0)) {
            return abi.encodeWithSelector(RoundtableEmptyCommitment.selector, sessionId, party);
        }
        address account = _partyAt(h, party);
        uint256 bits = _actedBits[sessionId];
        if (_hasActed(bits, h, party)) return _alreadyActed(sessionId, h.round, party);
        bytes32 structHash = _commitHash(sessionId, party, round, commitment);
        failure = _checkSignature(sessionId, party, account, structHash, signature);
        if (failure.length != 0) return failure;

        _commitments[sessionId][party] = commitment;
        emit CommitmentSubmitted(sessionId, account, party, round, commitment);
        _recordAction(sessionId, h, bits, party, structHash);
    }

    function _trySubmit(
        uint256 sessionId,
        uint8 party,
        uint8 round,
        bytes calldata payload,
        bytes calldata signature
    ) private returns (bytes memory failure) {
        Header memory h;
        (h, failure) = _openSlotHeader(sessionId, party, round, false);
        if (failure.length != 0) return failure;
        if (round != h.round) return _unexpectedRound(sessionId, h, round);
        Phase phase = _openPhase(h);
        if (phase == Phase.Accepting || phase == Phase.Committing) {
            return _unexpectedPhase(sessionId, phase, phase == Phase.Committing ? Phase.Revealing : Phase.Submitting);
        }
        if (block.timestamp > h.deadline) return _deadlinePassed(sessionId, h);
        failure = _checkPayloadLength(payload.length, phase == Phase.Agreeing ? MAX_RESULT_BYTES : MAX_PAYLOAD_BYTES);
        if (failure.length != 0) return failure;
        address account = _partyAt(h, party);
        uint256 bits = _actedBits[sessionId];
        if (_hasActed(bits, h, party)) return _alreadyActed(sessionId, h.round, party);
        bytes32 structHash;
        {
            bytes32 payloadHash = keccak256(payload);
            if (phase == Phase.Revealing) {
                failure = _checkReveal(sessionId, round, party, account, payloadHash);
                if (failure.length != 0) return failure;
            }
            structHash = _submitHash(sessionId, party, round, payloadHash);
        }
        failure = _checkSignature(sessionId, party, account, structHash, signature);
        if (failure.length != 0) return failure;

        if (phase == Phase.Agreeing) _recordAgreement(sessionId, h, payload);
        emit PayloadSubmitted(sessionId, account, party, round, payload);
        _recordAction(sessionId, h, bits, party, structHash);
    }

    function _tryComplain(
        uint256 sessionId,
        uint8 party,
        uint8 round,
        uint8 accused,
        bytes calldata evidence,
        bytes calldata signature
    ) private returns (bytes memory failure) {
        Header memory h = _headers[sessionId];
        if (h.status == Status.None) return abi.encodeWithSelector(RoundtableUnknownSession.selector, sessionId);
        if (h.flags & _FLAG_COMPLAINED != 0 && h.resultLength == uint256(party) + 1) {
            return _alreadyActed(sessionId, h.round, party);
        }
        if (h.status != Status.Active) return _sessionClosed(sessionId, h.status);
        if (h.round == 0) return _unexpectedPhase(sessionId, Phase.Accepting, Phase.Submitting);
        if (round != h.round) return _unexpectedRound(sessionId, h, round);
        if (block.timestamp > h.deadline) return _deadlinePassed(sessionId, h);
        failure = _checkPayloadLength(evidence.length, MAX_PAYLOAD_BYTES);
        if (failure.length != 0) return failure;
        if (party >= h.partyCount) return _unknownParty(sessionId, party, h);
        if (accused >= h.partyCount) return _unknownParty(sessionId, accused, h);
        if (accused == party) return abi.encodeWithSelector(RoundtableSelfComplaint.selector, sessionId, party);
        address account = _partyAt(h, party);
        bytes32 structHash = _complainHash(sessionId, party, round, accused, evidence);
        failure = _checkSignature(sessionId, party, account, structHash, signature);
        if (failure.length != 0) return failure;

        bytes32 transcript = _foldTranscript(sessionId, party, structHash);
        h.status = Status.Aborted;
        // The result slots mean nothing once aborted: remember the complainant instead (see _FLAG_COMPLAINED).
        h.flags |= _FLAG_COMPLAINED;
        h.resultLength = party + 1;
        _headers[sessionId] = h;
        emit ComplaintFiled(sessionId, account, party, accused, round, evidence);
        emit SessionAborted(sessionId, AbortReason.Complaint, 0, transcript);
    }

    /// @dev The first agreement stores the result; each later one must hash to it. A disagreement is recorded
    /// and the session aborts once everyone has spoken, so the auditor sees every party's claim.
    function _recordAgreement(uint256 sessionId, Header memory h, bytes calldata result) private {
        if (h.resultLength == 0) {
            for (uint256 word = 0; word * 32 < result.length; ++word) {
                _results[sessionId][word] = bytes32(result[word * 32:]);
            }
            h.resultLength = uint8(result.length);
            _headers[sessionId] = h;
        } else if (
            h.flags & _FLAG_DISAGREED == 0 && keccak256(_loadResult(sessionId, h.resultLength)) != keccak256(result)
        ) {
            h.flags |= _FLAG_DISAGREED;
            _headers[sessionId] = h;
        }
    }

    /// @dev Folds the action into the transcript, marks the party as acted, and opens the next phase when every
    /// party has acted.
    function _recordAction(uint256 sessionId, Header memory h, uint256 bits, uint8 party, bytes32 structHash) private {
        _foldTranscript(sessionId, party, structHash);
        bits = (bits ^ (1 << party)) | _ACTED_SENTINEL;
        _actedBits[sessionId] = bits;
        if (_actedMask(bits, h) == _fullMask(h.partyCount)) _openNextPhase(sessionId, h);
    }

    function _foldTranscript(uint256 sessionId, uint8 party, bytes32 structHash) private returns (bytes32 next) {
        next = keccak256(abi.encode(_transcripts[sessionId], party, structHash));
        _transcripts[sessionId] = next;
    }

    function _openNextPhase(uint256 sessionId, Header memory h) private {
        h.flags ^= _FLAG_PARITY;
        if (h.round == h.roundCount) {
            _conclude(sessionId, h);
            return;
        }
        Phase next;
        if (h.flags & _FLAG_COMMIT_STEP != 0) {
            h.flags = (h.flags & ~_FLAG_COMMIT_STEP) | _FLAG_REVEAL_STEP;
            next = Phase.Revealing;
        } else {
            h.round += 1;
            h.flags &= ~_FLAG_REVEAL_STEP;
            if (_isCommitReveal(h)) {
                h.flags |= _FLAG_COMMIT_STEP;
                next = Phase.Committing;
            } else {
                next = h.round == h.roundCount ? Phase.Agreeing : Phase.Submitting;
            }
        }
        h.deadline = uint40(block.timestamp + _roundDuration(h));
        _headers[sessionId] = h;
        emit PhaseOpened(sessionId, h.round, next, h.deadline);
    }

    function _conclude(uint256 sessionId, Header memory h) private {
        bytes32 transcript = _transcripts[sessionId];
        if (h.flags & _FLAG_DISAGREED != 0) {
            h.status = Status.Aborted;
            _headers[sessionId] = h;
            emit SessionAborted(sessionId, AbortReason.Disagreement, 0, transcript);
        } else {
            h.status = Status.Finalized;
            _headers[sessionId] = h;
            emit SessionFinalized(sessionId, _loadResult(sessionId, h.resultLength), transcript);
        }
    }

    /// @dev A round action: by the party's account, or by the delegate its acceptance named (sending it, or by
    /// its ECDSA signature). The delegate slot is read only when the account did not authorize the action.
    function _checkSignature(
        uint256 sessionId,
        uint8 party,
        address account,
        bytes32 structHash,
        bytes calldata signature
    ) private view returns (bytes memory) {
        if (signature.length == 0) {
            if (msg.sender == account) return "";
            address sender = _delegates[sessionId][party];
            if (sender != address(0) && msg.sender == sender) return "";
            return abi.encodeWithSelector(RoundtableUnauthorized.selector, sessionId, party, account, msg.sender);
        }
        bytes32 digest = _hashTypedDataV4(structHash);
        // One recovery serves both: the party's own key first (no delegate read on that path), then its delegate,
        // and only then a contract wallet's ERC-1271 verdict.
        (address recovered, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(digest, signature);
        if (error == ECDSA.RecoverError.NoError) {
            if (recovered == account) return "";
            address delegate = _delegates[sessionId][party];
            if (delegate != address(0) && recovered == delegate) return "";
        }
        return _checkWalletSignature(sessionId, party, account, digest, signature);
    }

    /// @dev An acceptance: by the party's account only. Its ECDSA key first, as OpenZeppelin's SignatureChecker does
    /// (an EIP-7702 account has code and still its key), then a contract wallet's verdict.
    function _checkAccountSignature(
        uint256 sessionId,
        uint8 party,
        address account,
        bytes32 structHash,
        bytes calldata signature
    ) private view returns (bytes memory) {
        if (signature.length == 0) {
            if (msg.sender == account) return "";
            return abi.encodeWithSelector(RoundtableUnauthorized.selector, sessionId, party, account, msg.sender);
        }
        bytes32 digest = _hashTypedDataV4(structHash);
        (address recovered, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(digest, signature);
        if (error == ECDSA.RecoverError.NoError && recovered == account) return "";
        return _checkWalletSignature(sessionId, party, account, digest, signature);
    }

    /// @dev A contract wallet's (ERC-1271) verdict, asked by hand because OpenZeppelin's SignatureChecker forwards all
    /// gas: here the wallet gets exactly its allowance (ERC1271_GAS, or less as a batch item names), so its verdict
    /// cannot depend on the gas the transaction was sent with. A call without that much gas fails as out of gas (and
    /// reverts a batch containing it); a wallet that fails within its allowance is rejected, and one that spends all
    /// of it is rejected naming the allowance. The call is a staticcall, so a wallet cannot re-enter and change state,
    /// and only 32 bytes of its answer are copied, so it cannot bloat memory. An account without code has no verdict.
    function _checkWalletSignature(
        uint256 sessionId,
        uint8 party,
        address account,
        bytes32 digest,
        bytes calldata signature
    ) private view returns (bytes memory) {
        if (account.code.length == 0) {
            return abi.encodeWithSelector(RoundtableInvalidSignature.selector, sessionId, party, account);
        }
        uint256 allowance = _itemWalletGas;
        if (allowance == 0 || allowance > ERC1271_GAS) allowance = ERC1271_GAS;
        // EIP-150 passes at most 63/64 of the gas left; keep enough that the wallet gets its whole allowance.
        if (gasleft() < allowance + allowance / 63 + 2_000) {
            return abi.encodeWithSelector(RoundtableSignatureCheckOutOfGas.selector, sessionId, party, gasleft());
        }
        bytes memory query = abi.encodeCall(IERC1271.isValidSignature, (digest, signature));
        bytes4 magic = IERC1271.isValidSignature.selector;
        bool valid;
        uint256 spent = gasleft();
        assembly ("memory-safe") {
            let success := staticcall(allowance, account, add(query, 0x20), mload(query), 0x00, 0x20)
            valid := and(success, and(gt(returndatasize(), 0x1f), eq(mload(0x00), magic)))
        }
        if (valid) return "";
        // Spent: at least 63/64 of the allowance is gone. A proxy wallet (a Safe) keeps the 1/64 that EIP-150 holds
        // back from its DELEGATECALL, so the frame the contract called never spends quite all of it.
        spent -= gasleft();
        if (spent * 64 >= allowance * 63) {
            return
                abi.encodeWithSelector(RoundtableWalletAllowanceSpent.selector, sessionId, party, account, allowance);
        }
        return abi.encodeWithSelector(RoundtableInvalidSignature.selector, sessionId, party, account);
    }

    // ─────────────────────────────────────────────────────────── guards

    function _requirePartyCount(uint256 n) private pure {
        if (n < MIN_PARTIES || n > MAX_PARTIES) revert RoundtableInvalidPartyCount(n, MIN_PARTIES, MAX_PARTIES);
    }

    function _requireThreshold(uint256 threshold, uint256 n) private pure {
        if (threshold < MIN_THRESHOLD || threshold > n) revert RoundtableInvalidThreshold(threshold, n);
    }

    /// @dev Strictly increasing order makes duplicates impossible without a lookup table (Safe's owner list idea).
    function _requireAscendingParties(address[] calldata parties) private view {
        address previous = address(0);
        for (uint256 i = 0; i < parties.length; ++i) {
            address party = parties[i];
            if (party == address(0) || party == address(this)) revert RoundtableInvalidParty(i, party);
            if (party <= previous) revert RoundtablePartiesNotAscending(i, previous, party);
            previous = party;
        }
    }

    function _requireSchedule(uint32 acceptanceDuration, RoundSpec[] calldata rounds) private pure {
        if (rounds.length == 0 || rounds.length > MAX_ROUNDS) {
            revert RoundtableInvalidRoundCount(rounds.length, MAX_ROUNDS);
        }
        _requireDuration(0, acceptanceDuration);
        for (uint256 i = 0; i < rounds.length; ++i) {
            _requireDuration(i + 1, rounds[i].duration);
        }
        if (rounds[rounds.length - 1].commitReveal) revert RoundtableCommitRevealAgreement(rounds.length);
    }

    function _requireDuration(uint256 round, uint256 duration) private pure {
        if (duration == 0 || duration > MAX_DURATION) revert RoundtableInvalidDuration(round, duration, MAX_DURATION);
    }

    function _requireParamsLength(uint256 length) private pure {
        if (length > MAX_PARAMS_BYTES) revert RoundtableParamsTooLarge(length, MAX_PARAMS_BYTES);
    }

    /// @dev A signing session names a finalized key generation, signs with its threshold, and its parties (the
    /// signers) are key holders. Both party lists are strictly increasing, so one merge pass checks membership.
    function _requireSigningParams(SessionConfig calldata config) private view {
        Header memory key = _headers[config.keySession];
        if (key.status != Status.Finalized || key.flags & _FLAG_SIGNING != 0) {
            SessionKind kind = key.flags & _FLAG_SIGNING != 0 ? SessionKind.Signing : SessionKind.KeyGeneration;
            revert RoundtableInvalidKeySession(config.keySession, key.status, kind);
        }
        if (config.threshold != key.threshold) revert RoundtableThresholdMismatch(config.threshold, key.threshold);
        if (config.message == bytes32(0)) revert RoundtableEmptyMessage();
        uint256 keyCount = key.partyCount;
        bytes memory holders = SSTORE2.read(key.blob, _PARTIES_OFFSET, _PARTIES_OFFSET + 20 * keyCount);
        uint256 j = 0;
        for (uint256 i = 0; i < config.parties.length; ++i) {
            address signer = config.parties[i];
            while (j < keyCount && _addressAt(holders, 20 * j) < signer) ++j;
            if (j == keyCount || _addressAt(holders, 20 * j) != signer) {
                revert RoundtableSignerNotKeyHolder(config.keySession, signer);
            }
            ++j;
        }
    }

    function _requireBeforeDeadline(uint256 sessionId, Header memory h) private view {
        if (block.timestamp > h.deadline) revert RoundtableDeadlinePassed(sessionId, h.deadline, block.timestamp);
    }

    /// @dev A compressed secp256k1 point (0x02 or 0x03, then x), not the generator, whose secret its registrant
    /// proves to hold with a BIP-340 signature bound to this session and party. Without the proof, a party could
    /// register a point off the curve or another party's key, and honest parties, unable to encrypt to it, would be
    /// the ones who fall silent and are blamed. The verification also proves x is on the curve.
    /// Checked before the session's state (by the entry points, to keep `_tryAccept`'s stack small): a valid proof
    /// depends on nothing the state can change.
    function _checkEncryptionKey(
        uint256 sessionId,
        uint8 party,
        bytes calldata key,
        bytes calldata proof
    ) private view returns (bytes memory) {
        if (key.length != ENCRYPTION_KEY_BYTES || (key[0] != 0x02 && key[0] != 0x03)) {
            return abi.encodeWithSelector(RoundtableInvalidEncryptionKey.selector, sessionId, party, key.length);
        }
        uint256 x = uint256(bytes32(key[1:33]));
        if (x == _GX) return abi.encodeWithSelector(RoundtableKnownEncryptionKey.selector, sessionId, party, x);
        if (proof.length != KEY_PROOF_BYTES) {
            return abi.encodeWithSelector(RoundtableInvalidAcceptData.selector, sessionId, party, proof.length);
        }
        uint256 rx = uint256(bytes32(proof[0:32]));
        uint256 s = uint256(bytes32(proof[32:64]));
        if (!Bip340.verify(x, rx, s, _keyProofDigest(sessionId, party, key))) {
            return abi.encodeWithSelector(RoundtableInvalidKeyProof.selector, sessionId, party, x);
        }
        return "";
    }

    function _checkPayloadLength(uint256 length, uint256 max) private pure returns (bytes memory) {
        if (length == 0 || length > max) {
            return abi.encodeWithSelector(RoundtableInvalidPayloadLength.selector, length, 1, max);
        }
        return "";
    }

    function _hasActed(uint256 bits, Header memory h, uint8 party) private pure returns (bool) {
        return (_actedMask(bits, h) >> party) & 1 == 1;
    }

    /// @dev A revealed payload must be the one its party committed to in this round.
    function _checkReveal(
        uint256 sessionId,
        uint8 round,
        uint8 party,
        address account,
        bytes32 payloadHash
    ) private view returns (bytes memory) {
        bytes32 committed = _commitments[sessionId][party];
        bytes32 revealed = _commitment(sessionId, round, account, payloadHash);
        if (committed != revealed) {
            return abi.encodeWithSelector(RoundtableCommitmentMismatch.selector, sessionId, party, committed, revealed);
        }
        return "";
    }

    // Failures every action shares, encoded as the custom errors the direct entry points revert with.

    function _alreadyActed(uint256 sessionId, uint8 round, uint8 party) private pure returns (bytes memory) {
        return abi.encodeWithSelector(RoundtableAlreadyActed.selector, sessionId, round, party);
    }

    function _deadlinePassed(uint256 sessionId, Header memory h) private view returns (bytes memory) {
        return abi.encodeWithSelector(RoundtableDeadlinePassed.selector, sessionId, h.deadline, block.timestamp);
    }

    function _unexpectedRound(uint256 sessionId, Header memory h, uint8 round) private pure returns (bytes memory) {
        return abi.encodeWithSelector(RoundtableUnexpectedRound.selector, sessionId, h.round, round);
    }

    function _unexpectedPhase(uint256 sessionId, Phase current, Phase expected) private pure returns (bytes memory) {
        return abi.encodeWithSelector(RoundtableUnexpectedPhase.selector, sessionId, current, expected);
    }

    function _unknownParty(uint256 sessionId, uint8 party, Header memory h) private pure returns (bytes memory) {
        return abi.encodeWithSelector(RoundtableUnknownParty.selector, sessionId, party, h.partyCount);
    }

    function _sessionClosed(uint256 sessionId, Status status) private pure returns (bytes memory) {
        return abi.encodeWithSelector(RoundtableSessionClosed.selector, sessionId, status);
    }

    /// @dev Reverts with an encoded custom error, as if it had been raised here.
    function _revertIfFailed(bytes memory failure) private pure {
        if (failure.length != 0) {
            assembly ("memory-safe") {
                revert(add(failure, 0x20), mload(failure))
            }
        }
    }

    function _freeMemoryPointer() private pure returns (uint256 pointer) {
        assembly ("memory-safe") {
            pointer := mload(0x40)
        }
    }

    function _setFreeMemoryPointer(uint256 pointer) private pure {
        assembly ("memory-safe") {
            mstore(0x40, pointer)
        }
    }

    // ─────────────────────────────────────────────────────────── helpers

    function _header(uint256 sessionId) private view returns (Header memory h) {
        h = _headers[sessionId];
        if (h.status == Status.None) revert RoundtableUnknownSession(sessionId);
    }

    function _activeHeader(uint256 sessionId) private view returns (Header memory h) {
        h = _header(sessionId);
        if (h.status != Status.Active) revert RoundtableSessionClosed(sessionId, h.status);
    }

    /// @dev The header of an active session whose (round, step, party) slot may still be filled. A phase closes only
    /// once every party has acted in it, so an action aimed at a closed phase, or at a finalized session, names a
    /// slot that is necessarily filled: it fails as AlreadyActed, and a relayed copy of an action its party already
    /// sent directly is skipped in a batch whatever its place.
    function _openSlotHeader(
        uint256 sessionId,
        uint8 party,
        uint8 round,
        bool commitStep
    ) private view returns (Header memory h, bytes memory failure) {
        h = _headers[sessionId];
        if (h.status == Status.None) return (h, abi.encodeWithSelector(RoundtableUnknownSession.selector, sessionId));
        if (party >= h.partyCount) return (h, _unknownParty(sessionId, party, h));
        bool phaseClosed = round < h.round || (round == h.round && commitStep && h.flags & _FLAG_REVEAL_STEP != 0);
        if ((h.status == Status.Active && phaseClosed) || (h.status == Status.Finalized && round <= h.roundCount)) {
            return (h, _alreadyActed(sessionId, round, party));
        }
        if (h.status != Status.Active) return (h, _sessionClosed(sessionId, h.status));
    }

    /// @dev The phase of an active session, ignoring time.
    function _openPhase(Header memory h) private pure returns (Phase) {
        if (h.round == 0) return Phase.Accepting;
        if (h.flags & _FLAG_COMMIT_STEP != 0) return Phase.Committing;
        if (h.flags & _FLAG_REVEAL_STEP != 0) return Phase.Revealing;
        return h.round == h.roundCount ? Phase.Agreeing : Phase.Submitting;
    }

    /// @dev Bit i set when party i has acted in the current phase (see _FLAG_PARITY).
    function _actedMask(uint256 bits, Header memory h) private pure returns (uint256) {
        uint256 full = _fullMask(h.partyCount);
        return (h.flags & _FLAG_PARITY == 0 ? bits : bits ^ full) & full;
    }

    function _fullMask(uint256 partyCount) private pure returns (uint256) {
        return (uint256(1) << partyCount) - 1;
    }

    /// @dev The account of a party index already checked against the party count.
    function _partyAt(Header memory h, uint8 party) private view returns (address) {
        return _readAddress(h.blob, _PARTIES_OFFSET + 20 * uint256(party));
    }

    function _readAddress(address blob, uint256 offset) private view returns (address) {
        return _addressAt(SSTORE2.read(blob, offset, offset + 20), 0);
    }

    function _addressAt(bytes memory packed, uint256 offset) private pure returns (address account) {
        assembly ("memory-safe") {
            account := shr(96, mload(add(add(packed, 0x20), offset)))
        }
    }

    function _scheduleOffset(Header memory h) private pure returns (uint256) {
        return _PARTIES_OFFSET + 20 * uint256(h.partyCount);
    }

    function _isCommitReveal(Header memory h) private view returns (bool) {
        uint256 offset = _scheduleOffset(h);
        uint8 mask = uint8(SSTORE2.read(h.blob, offset, offset + 1)[0]);
        return (mask >> (h.round - 1)) & 1 == 1;
    }

    function _roundDuration(Header memory h) private view returns (uint256) {
        uint256 offset = _scheduleOffset(h) + 1 + 4 * (uint256(h.round) - 1);
        return uint32(bytes4(SSTORE2.read(h.blob, offset, offset + 4)));
    }

    /// @dev Packs the immutable part of the configuration; see the blob layout above. Written by hand because
    /// abi.encodePacked pads array elements to 32 bytes.
    function _encodeBlob(bytes32 configHash, SessionConfig calldata config) private view returns (bytes memory blob) {
        address[] calldata parties = config.parties;
        RoundSpec[] calldata rounds = config.rounds;
        uint256 scheduleOffset = _PARTIES_OFFSET + 20 * parties.length;
        uint256 length = scheduleOffset + 1 + 4 * rounds.length;
        // 32 spare bytes: each 32-byte store below may run past the last packed field.
        blob = new bytes(length + 32);
        uint8 mask = 0;
        for (uint256 i = 0; i < rounds.length; ++i) {
            if (rounds[i].commitReveal) mask |= uint8(1 << i);
        }
        address initiator = msg.sender;
        assembly ("memory-safe") {
            let data := add(blob, 0x20)
            mstore(data, configHash)
            mstore(add(data, _INITIATOR_OFFSET), shl(96, initiator))
            mstore(add(data, _CREATION_BLOCK_OFFSET), shl(192, number()))
            mstore(blob, length)
        }
        for (uint256 i = 0; i < parties.length; ++i) {
            address party = parties[i];
            uint256 at = _PARTIES_OFFSET + 20 * i;
            assembly ("memory-safe") {
                mstore(add(add(blob, 0x20), at), shl(96, party))
            }
        }
        blob[scheduleOffset] = bytes1(mask);
        for (uint256 i = 0; i < rounds.length; ++i) {
            uint256 at = scheduleOffset + 1 + 4 * i;
            uint32 duration = rounds[i].duration;
            assembly ("memory-safe") {
                mstore(add(add(blob, 0x20), at), shl(224, duration))
            }
        }
    }

    function _commitment(
        uint256 sessionId,
        uint8 round,
        address party,
        bytes32 payloadHash
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(sessionId, round, party, payloadHash));
    }

    function _loadResult(uint256 sessionId, uint256 length) private view returns (bytes memory result) {
        result = new bytes(length);
        for (uint256 word = 0; word * 32 < length; ++word) {
            bytes32 value = _results[sessionId][word];
            assembly ("memory-safe") {
                mstore(add(add(result, 0x20), mul(word, 0x20)), value)
            }
        }
    }

    /// @dev The packed batch item starting at `at` (see {IRoundtable-batch}), and where the next one starts. Read by
    /// hand: no library unpacks a layout of our own, and ABI encoding would pad every field to 32 bytes.
    function _unpackItem(
        bytes calldata items,
        uint256 at
    ) private pure returns (uint256 head, bytes32 word, bytes calldata data, bytes calldata signature, uint256 next) {
        if (items.length - at < _ITEM_HEAD_BYTES) revert RoundtableMalformedBatch(at);
        assembly ("memory-safe") {
            head := shr(128, calldataload(add(items.offset, at)))
        }
        uint256 action = (head >> 120) & 0x03;
        uint256 wordLength = action == uint256(ActionType.Accept) || action == uint256(ActionType.Commit) ? 32 : 0;
        uint256 dataStart = at + _ITEM_HEAD_BYTES + wordLength;
        uint256 signatureStart = dataStart + ((head >> 16) & 0xffff);
        next = signatureStart + (head & 0xffff);
        if (next > items.length) revert RoundtableMalformedBatch(at);
        if (wordLength != 0) word = bytes32(items[dataStart - 32:dataStart]);
        data = items[dataStart:signatureStart];
        signature = items[signatureStart:next];
    }

    /// @dev Accept data in a SignedAction: key (33) | proof (64) | optional delegate (20).
    function _splitAcceptData(
        bytes calldata data
    ) private pure returns (bytes calldata key, bytes calldata proof, address delegate, bool wellFormed) {
        uint256 length = data.length;
        uint256 base = ENCRYPTION_KEY_BYTES + KEY_PROOF_BYTES;
        wellFormed = length == base || length == base + 20;
        if (!wellFormed) return (data[0:0], data[0:0], address(0), false);
        key = data[0:ENCRYPTION_KEY_BYTES];
        proof = data[ENCRYPTION_KEY_BYTES:base];
        if (length > base) delegate = address(bytes20(data[base:base + 20]));
    }

    function _keyProofDigest(uint256 sessionId, uint8 party, bytes calldata key) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(_KEY_PROOF_TYPEHASH, sessionId, party, keccak256(key))));
    }

    function _acceptHash(
        uint256 sessionId,
        uint8 party,
        bytes32 configHash,
        bytes calldata key,
        address delegate
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(_ACCEPT_TYPEHASH, sessionId, party, configHash, keccak256(key), delegate));
    }

    function _commitHash(
        uint256 sessionId,
        uint8 party,
        uint8 round,
        bytes32 commitment
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(_COMMIT_TYPEHASH, sessionId, party, round, commitment));
    }

    function _submitHash(
        uint256 sessionId,
        uint8 party,
        uint8 round,
        bytes32 payloadHash
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(_SUBMIT_TYPEHASH, sessionId, party, round, payloadHash));
    }

    function _complainHash(
        uint256 sessionId,
        uint8 party,
        uint8 round,
        uint8 accused,
        bytes calldata evidence
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(_COMPLAIN_TYPEHASH, sessionId, party, round, accused, keccak256(evidence)));
    }
}
