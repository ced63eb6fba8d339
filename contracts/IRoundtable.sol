// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Roundtable session coordinator
/// @notice A contract that coordinates multi-party computation sessions (key generation, threshold signing)
/// in place of a coordinator that one party controls. It records the configuration every party accepted, the
/// parties' registered encryption keys, every round's payloads (as events, folded into a running transcript
/// hash), per-phase deadlines that anyone may enforce, and the final result that all parties agreed on.
/// It knows no cryptography of the protocol itself: it orders, authenticates and records.
interface IRoundtable {
    // ─────────────────────────────────────────────────────────────── types

    /// @notice What a session computes.
    enum SessionKind {
        KeyGeneration,
        Signing
    }

    /// @notice Stored lifecycle status. Time-derived phases (such as an expired deadline) are in {Phase}.
    enum Status {
        None,
        Active,
        Finalized,
        Aborted,
        Cancelled
    }

    /// @notice The phase a session is in, derived from storage and the current time (see {sessionState}).
    enum Phase {
        None,
        Accepting,
        Committing,
        Revealing,
        Submitting,
        Agreeing,
        Expired,
        Finalized,
        Aborted,
        Cancelled
    }

    /// @notice Why a session was aborted.
    enum AbortReason {
        Expired,
        Complaint,
        Disagreement
    }

    /// @notice A party action that anyone may carry on the party's behalf (see {applySigned}, {batch}).
    enum ActionType {
        Accept,
        Commit,
        Submit,
        Complain
    }

    /// @notice One round of the protocol. The last round of every session is the agreement round.
    /// @param duration Seconds each phase of the round stays open once it opens.
    /// @param commitReveal Whether parties first commit to a hash, and reveal payloads once every commitment is in.
    struct RoundSpec {
        uint32 duration;
        bool commitReveal;
    }

    /// @notice The whole configuration of a session. Its ABI-encoding's keccak256 is the configuration hash
    /// that every party signs to accept.
    /// @param parties Party accounts in strictly increasing order (so duplicates are impossible); a party's
    /// index in this list is its index everywhere (0-based here, 1-based as a FROST identifier).
    /// @param rounds Round schedule; the last entry is the agreement round and cannot be commit-reveal.
    /// @param keySession Signing only: the finalized key-generation session whose key signs.
    /// @param message Signing only: the 32-byte digest to sign.
    /// @param params Protocol parameters the contract does not interpret (recorded in the hash and the event).
    struct SessionConfig {
        SessionKind kind;
        bytes32 protocol;
        bytes32 ciphersuite;
        address[] parties;
        uint8 threshold;
        RoundSpec[] rounds;
        uint32 acceptanceDuration;
        uint256 keySession;
        bytes32 message;
        bytes params;
    }

    /// @notice A party's action with the party's EIP-712 signature, for anyone to submit.
    /// @param party The acting party's index; every signed struct names it, so one party's signature never
    /// fills another party's slot.
    /// @param round Commit, Submit and Complain: the round it belongs to. Ignored for Accept.
    /// @param accused Complain only: index of the accused party.
    /// @param word Accept: the configuration hash. Commit: the commitment. Otherwise ignored.
    /// @param data Accept: the 33-byte encryption key, its 64-byte proof of possession (see {keyProofDigestOf}),
    /// then optionally a 20-byte delegate address. Submit: the payload. Complain: the evidence.
    /// @param signature ECDSA (65 bytes, low s) for accounts, or whatever the party's ERC-1271 wallet accepts. After
    /// an acceptance that named a delegate, the delegate's ECDSA signature is accepted too (not for Accept).
    struct SignedAction {
        ActionType action;
        uint256 sessionId;
        uint8 party;
        uint8 round;
        uint8 accused;
        bytes32 word;
        bytes data;
        bytes signature;
    }

    /// @notice A session's phase at the current block, like OpenZeppelin Governor's `state()`.
    /// @param acted Bitmap of party indexes that have acted in the current phase (bit i = party i).
    struct SessionState {
        Phase phase;
        uint8 round;
        uint8 roundCount;
        uint8 partyCount;
        uint40 deadline;
        uint256 acted;
    }

    // ────────────────────────────────────────────────────────────── events

    /// @notice A session was created; `config` is the whole configuration, `configHash` its hash.
    event SessionCreated(
        uint256 indexed sessionId,
        address indexed initiator,
        bytes32 configHash,
        uint40 acceptanceDeadline,
        SessionConfig config
    );

    /// @notice One per party at creation, so a party finds its invitations by filtering on its address.
    event PartyInvited(uint256 indexed sessionId, address indexed party, uint8 index);

    /// @notice A party accepted the configuration and registered its encryption key; `delegate` (zero for none)
    /// may sign this party's later actions in this session.
    event PartyAccepted(
        uint256 indexed sessionId,
        address indexed party,
        uint8 index,
        bytes encryptionKey,
        address delegate
    );

    /// @notice A phase opened: every party must act before `deadline`.
    event PhaseOpened(uint256 indexed sessionId, uint8 round, Phase phase, uint40 deadline);

    /// @notice A party committed to its payload for a commit-then-reveal round.
    event CommitmentSubmitted(
        uint256 indexed sessionId,
        address indexed party,
        uint8 index,
        uint8 round,
        bytes32 commitment
    );

    /// @notice A party's payload for a round (a reveal in a commit-then-reveal round; its result in agreement).
    event PayloadSubmitted(uint256 indexed sessionId, address indexed party, uint8 index, uint8 round, bytes payload);

    /// @notice A party complained against another; the session is aborted and the evidence is public.
    event ComplaintFiled(
        uint256 indexed sessionId,
        address indexed accuser,
        uint8 accuserIndex,
        uint8 accusedIndex,
        uint8 round,
        bytes evidence
    );

    /// @notice Every party agreed on `result`; `transcript` is the final transcript hash.
    event SessionFinalized(uint256 indexed sessionId, bytes result, bytes32 transcript);

    /// @notice The session ended without a result. `blame` is the bitmap of parties that had not acted in the
    /// phase (for Expired), zero otherwise.
    event SessionAborted(uint256 indexed sessionId, AbortReason reason, uint256 blame, bytes32 transcript);

    /// @notice The initiator cancelled the session before it started.
    event SessionCancelled(uint256 indexed sessionId);

    /// @notice A batch item was already recorded (for example, its party went direct first) and was skipped.
    event ActionSkipped(uint256 indexed sessionId, uint256 item, uint8 party);

    /// @notice A batch item failed; `reason` is the ABI-encoded custom error. The other items stand.
    event ActionRejected(uint256 indexed sessionId, uint256 item, uint8 party, bytes reason);

    // ────────────────────────────────────────────────────────────── errors

    error RoundtableUnknownSession(uint256 sessionId);
    error RoundtableInvalidPartyCount(uint256 count, uint256 min, uint256 max);
    error RoundtableInvalidThreshold(uint256 threshold, uint256 parties);
    error RoundtablePartiesNotAscending(uint256 index, address previous, address party);
    error RoundtableInvalidParty(uint256 index, address party);
    error RoundtableInvalidRoundCount(uint256 count, uint256 max);
    error RoundtableInvalidDuration(uint256 round, uint256 duration, uint256 max);
    error RoundtableCommitRevealAgreement(uint256 round);
    error RoundtableParamsTooLarge(uint256 length, uint256 max);
    error RoundtableSigningParamsOnKeyGeneration(uint256 keySession, bytes32 message);
    error RoundtableInvalidKeySession(uint256 keySession, Status status, SessionKind kind);
    error RoundtableThresholdMismatch(uint256 threshold, uint256 keyThreshold);
    error RoundtableSignerNotKeyHolder(uint256 keySession, address signer);
    error RoundtableEmptyMessage();
    error RoundtableSessionClosed(uint256 sessionId, Status status);
    error RoundtableUnexpectedPhase(uint256 sessionId, Phase current, Phase expected);
    error RoundtableUnexpectedRound(uint256 sessionId, uint8 current, uint8 given);
    error RoundtableDeadlinePassed(uint256 sessionId, uint256 deadline, uint256 timestamp);
    error RoundtableDeadlineNotPassed(uint256 sessionId, uint256 deadline, uint256 timestamp);
    error RoundtableUnknownParty(uint256 sessionId, uint8 party, uint256 partyCount);
    error RoundtableUnauthorized(uint256 sessionId, uint8 party, address expected, address sender);
    error RoundtableInvalidSignature(uint256 sessionId, uint8 party, address signer);
    error RoundtableMissingSignature(uint256 sessionId, uint8 party);
    error RoundtableAlreadyActed(uint256 sessionId, uint8 round, uint8 party);
    error RoundtableConfigHashMismatch(uint256 sessionId, bytes32 expected, bytes32 given);
    error RoundtableInvalidEncryptionKey(uint256 sessionId, uint8 party, uint256 length);
    error RoundtableInvalidAcceptData(uint256 sessionId, uint8 party, uint256 length);
    error RoundtableKnownEncryptionKey(uint256 sessionId, uint8 party, bytes32 x);
    error RoundtableInvalidKeyProof(uint256 sessionId, uint8 party, bytes32 x);
    error RoundtableInvalidDelegate(uint256 sessionId, uint8 party, address delegate);
    error RoundtableInvalidPayloadLength(uint256 length, uint256 min, uint256 max);
    error RoundtableEmptyCommitment(uint256 sessionId, uint8 party);
    error RoundtableCommitmentMismatch(uint256 sessionId, uint8 party, bytes32 commitment, bytes32 revealed);
    error RoundtableSelfComplaint(uint256 sessionId, uint8 party);
    error RoundtableNotInitiator(uint256 sessionId, address initiator, address sender);
    error RoundtableNoResult(uint256 sessionId, Status status);
    error RoundtableBatchOutOfGas(uint256 item, uint256 gasLeft);
    /// @notice A batch's packing ends inside the item starting at `offset`.
    error RoundtableMalformedBatch(uint256 offset);
    error RoundtableSignatureCheckOutOfGas(uint256 sessionId, uint8 party, uint256 gasLeft);
    /// @notice The contract wallet's ERC-1271 check used all the gas it was given (`allowance`) without answering.
    error RoundtableWalletAllowanceSpent(uint256 sessionId, uint8 party, address wallet, uint256 allowance);

    // ─────────────────────────────────────────────────────────── functions

    /// @notice Creates a session. The caller becomes its initiator, who may only cancel it before it starts.
    /// @return sessionId Sequential id, starting at 1.
    function createSession(SessionConfig calldata config) external returns (uint256 sessionId);

    /// @notice Accepts the session's configuration hash (as the party saw it) and registers the party's 33-byte
    /// compressed secp256k1 encryption key with a BIP-340 proof of possession of its secret, made over
    /// {keyProofDigestOf}: the key is on the curve, it is not the generator, and it is this party's own for this
    /// session (a key copied from another party or session has no valid proof). `delegate` (zero for none) may
    /// sign this party's later actions in this session. Sent by the party itself. The session starts when all
    /// have accepted.
    function accept(
        uint256 sessionId,
        uint8 party,
        bytes32 configHash,
        bytes calldata encryptionKey,
        bytes calldata keyProof,
        address delegate
    ) external;

    /// @notice Commits to this round's payload in a commit-then-reveal round. See {commitmentOf}.
    function commit(uint256 sessionId, uint8 party, uint8 round, bytes32 commitment) external;

    /// @notice Submits this round's payload (a reveal, in a commit-then-reveal round; the result, in agreement).
    function submit(uint256 sessionId, uint8 party, uint8 round, bytes calldata payload) external;

    /// @notice Complains against `accused` with evidence; the session aborts and the evidence is public.
    function complain(uint256 sessionId, uint8 party, uint8 round, uint8 accused, bytes calldata evidence) external;

    /// @notice Applies one action signed by its party (EIP-712), sent by anyone. Reverts on any failure, so it
    /// doubles as the simulation a relayer runs before accepting an action.
    function applySigned(SignedAction calldata action) external;

    /// @notice Applies many signed actions, packed one after another (items are numbered from 0 in that order).
    /// An item already recorded is skipped ({ActionSkipped}); an invalid item is rejected ({ActionRejected});
    /// neither undoes the others. Reverts if an item ran out of gas, so a batch sent with too little gas cannot
    /// make valid items fail, and reverts as a whole if the packing is malformed.
    /// @param items Each item, big-endian: a 16-byte head (a byte of the action type in its two low bits and the wallet
    /// allowance in its six high bits; party, round and accused as one byte each; the session id as 8 bytes; the
    /// data's and the signature's lengths as 2 bytes each), then for an acceptance or a commitment the 32-byte word
    /// of {SignedAction}, then the data, then the signature. The packing carries no ABI padding: in a batch of small
    /// actions that padding would cost more than a fifth of the calldata. The wallet allowance is the gas a contract
    /// wallet's ERC-1271 check of this item gets, in units of WALLET_GAS_UNIT (0: ERC1271_GAS, the most): a relayer
    /// that measured a wallet's check gives it what it needs, so that a wallet that spends all it is given at
    /// inclusion costs the relayer that much, not ERC1271_GAS. Too little fails only that item
    /// ({RoundtableWalletAllowanceSpent}); nothing else in the batch depends on it.
    function batch(bytes calldata items) external;

    /// @notice Aborts a session whose current phase's deadline has passed, blaming the parties that had not acted.
    /// Anyone may call it.
    function expire(uint256 sessionId) external;

    /// @notice Cancels a session that has not started, before its acceptance deadline. Only its initiator may.
    function cancel(uint256 sessionId) external;

    /// @notice Number of sessions created; ids run from 1 to this number.
    function sessionCount() external view returns (uint256);

    /// @notice The session's phase, round, deadline and who has acted, derived from the current time.
    function sessionState(uint256 sessionId) external view returns (SessionState memory);

    /// @notice The configuration hash the parties accept.
    function configHashOf(uint256 sessionId) external view returns (bytes32);

    /// @notice The account that created the session.
    function initiatorOf(uint256 sessionId) external view returns (address);

    /// @notice The block that created the session: a party or auditor scans the session's logs from there.
    function creationBlockOf(uint256 sessionId) external view returns (uint256);

    /// @notice The session's parties, in index order.
    function partiesOf(uint256 sessionId) external view returns (address[] memory);

    /// @notice The session's threshold.
    function thresholdOf(uint256 sessionId) external view returns (uint8);

    /// @notice The running transcript hash over every accepted party action. Zero before the first action; then
    /// `keccak256(abi.encode(previous, partyIndex, structHash))` where `structHash` is the action's EIP-712
    /// struct hash.
    function transcriptOf(uint256 sessionId) external view returns (bytes32);

    /// @notice The result every party agreed on. Reverts unless the session is finalized.
    function resultOf(uint256 sessionId) external view returns (bytes memory);

    /// @notice The configuration hash of `config`: `keccak256(abi.encode(config))`.
    function hashConfig(SessionConfig calldata config) external pure returns (bytes32);

    /// @notice The commitment a party submits for `payload`: bound to the session, the round and the party's
    /// account, so a party that copies another's commitment cannot reveal a payload that matches it.
    function commitmentOf(
        uint256 sessionId,
        uint8 round,
        address party,
        bytes calldata payload
    ) external pure returns (bytes32);

    /// @notice The EIP-712 digest a party signs for `action` (its `signature` field is ignored).
    function digestOf(SignedAction calldata action) external view returns (bytes32);

    /// @notice The digest an encryption key's proof of possession signs (BIP-340, by the key's secret):
    /// EIP-712 `EncryptionKeyProof(uint256 sessionId,uint8 party,bytes encryptionKey)` in this contract's domain,
    /// so a proof is bound to chain, contract, session and party.
    function keyProofDigestOf(
        uint256 sessionId,
        uint8 party,
        bytes calldata encryptionKey
    ) external view returns (bytes32);

    /// @notice The delegate a party named in its acceptance (zero for none).
    function delegateOf(uint256 sessionId, uint8 party) external view returns (address);
}
