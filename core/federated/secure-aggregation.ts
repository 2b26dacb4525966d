// Secure aggregation (Bonawitz et al. 2017, double masking): the coordinator learns the sum of the
// participants' vectors and nothing else. Four steps, each a message through the coordinator:
//   1. advertise  — each participant publishes two X25519 public keys (share encryption, masking);
//   2. share keys — each splits its self-mask seed b and its masking private key into Shamir shares
//      (threshold t of n) and sends one, AES-256-GCM encrypted, to every other participant;
//   3. mask       — each submits y = x + PRG(b) + Σ_{v after u} PRG(s_uv) − Σ_{v before u} PRG(s_uv)
//      modulo 2^64 (fixed point), s_uv the HKDF of their X25519 agreement;
//   4. unmask     — survivors reveal, per peer, the share of b (peer submitted) or of the masking key
//      (peer dropped after step 2), never both; the coordinator removes the masks and keeps the sum.
// A single stored submission is uniformly distributed; fewer than t shares reveal no seed.
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { InsufficientSharesError, SecureAggregationError, UnmaskRefusedError } from './errors';
import { addWordsInPlace, decodeFixedPoint, DEFAULT_FRACTIONAL_BITS, encodeFixedPoint } from './fixed-point';
import { bytesFromWords, expandSeed, systemRandomBytes, wordsFromBytes } from './random-bytes';
import { combineShares, splitSecret, type RandomBytes, type Share } from './shamir';

/** What every party of one aggregation agrees on before it starts. */
export interface SecureAggregationOptions {
  /** Binds every key, message and mask to this aggregation (e.g. `<run>/<round>/<step>`). */
  readonly sessionId: string;
  /** Every invited participant, in a fixed order (their Shamir positions are 1..n in this order). */
  readonly participants: readonly string[];
  /** Shares needed to unmask; more than half of the participants. */
  readonly threshold: number;
  /** Length of the vectors summed. */
  readonly length: number;
  /** Fixed-point resolution 2^-fractionalBits (default 32). */
  readonly fractionalBits?: number;
}

/** Step 1: a participant's public keys (raw X25519, base64). */
export interface AdvertisedKeys {
  readonly participant: string;
  readonly encryptionKey: string;
  readonly maskingKey: string;
}

/** Step 2: shares from one participant to another, encrypted for the recipient (base64 iv ‖ tag ‖ ciphertext). */
export interface EncryptedShares {
  readonly from: string;
  readonly to: string;
  readonly ciphertext: string;
}

/** Step 3: a masked input (fixed-point words modulo 2^64, little-endian bytes, base64). */
export interface MaskedInput {
  readonly participant: string;
  readonly words: string;
}

/** Step 4: one survivor's shares, per peer: of its self-mask seed (peer survived) or its masking key (peer dropped). */
export interface UnmaskingShares {
  readonly participant: string;
  readonly selfMaskShares: Readonly<Record<string, Share>>;
  readonly maskingKeyShares: Readonly<Record<string, Share>>;
}

interface SharePayload {
  readonly selfMask: Share;
  readonly maskingKey: Share;
}

const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SEED_BYTES = 32;

function validateOptions(options: SecureAggregationOptions): void {
  const n = options.participants.length;
  if (n < 2) throw new SecureAggregationError(`secure aggregation needs at least 2 participants, got ${n}`);
  if (new Set(options.participants).size !== n) throw new SecureAggregationError('participants must be distinct');
  if (!Number.isInteger(options.threshold) || options.threshold <= n / 2 || options.threshold > n) {
    throw new SecureAggregationError(`threshold must be an integer above n/2 and at most n (n = ${n}), got ${options.threshold}`);
  }
  if (!Number.isInteger(options.length) || options.length < 1) throw new SecureAggregationError(`length must be a positive integer, got ${options.length}`);
}

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function rawPublicKey(privateKey: KeyObject): string {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return Buffer.from(String(jwk.x), 'base64url').toString('base64');
}

function publicKeyFromRaw(raw: string, what: string): KeyObject {
  const bytes = Buffer.from(raw, 'base64');
  if (bytes.length !== 32) throw new SecureAggregationError(`${what} must be a 32-byte X25519 public key`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: bytes.toString('base64url') }, format: 'jwk' });
}

function agreedSeed(privateKey: KeyObject, publicKey: KeyObject, sessionId: string, purpose: string): Uint8Array {
  const shared = diffieHellman({ privateKey, publicKey });
  return new Uint8Array(hkdfSync('sha256', shared, Buffer.from(sessionId), Buffer.from(`xdr-ml secure aggregation ${purpose}`), SEED_BYTES));
}

function wordsToBase64(words: Uint32Array): string {
  return bytesFromWords(words).toString('base64');
}

/** The fixed-point words of a masked input (what a stored submission holds). */
export function maskedWords(input: MaskedInput, length: number): Uint32Array {
  const bytes = Buffer.from(input.words, 'base64');
  if (bytes.length !== length * 8) throw new SecureAggregationError(`masked input of ${input.participant} has ${bytes.length / 8} values, expected ${length}`);
  return wordsFromBytes(bytes);
}

/** +1 when u masks with +PRG(s_uv) (u before v in the participant order), −1 otherwise. */
const pairSign = (order: readonly string[], u: string, v: string): 1 | -1 => (order.indexOf(u) < order.indexOf(v) ? 1 : -1);

/**
 * One participant of a secure aggregation. Call advertise(), shareKeys(), maskInput(), unmask() in order.
 * @example
 * const p = new SecureAggregationParticipant('tenant-a', options);
 * coordinator.receiveKeys(p.advertise()); // … then shareKeys(coordinator.keys()), maskInput(x, coordinator.sharesFor('tenant-a'))
 */
export class SecureAggregationParticipant {
  private readonly encryptionPrivate: KeyObject;
  private readonly maskingSeed: Uint8Array;
  private readonly maskingPrivate: KeyObject;
  private readonly selfMaskSeed: Uint8Array;
  private peers = new Map<string, AdvertisedKeys>();
  private received = new Map<string, SharePayload>();
  private step: 'advertise' | 'share' | 'mask' | 'unmask' | 'done' = 'advertise';

  constructor(
    readonly id: string,
    private readonly options: SecureAggregationOptions,
    private readonly random: RandomBytes = systemRandomBytes,
  ) {
    validateOptions(options);
    if (!options.participants.includes(id)) throw new SecureAggregationError(`${id} is not a participant of ${options.sessionId}`);
    this.encryptionPrivate = privateKeyFromSeed(random(SEED_BYTES));
    this.maskingSeed = random(SEED_BYTES);
    this.maskingPrivate = privateKeyFromSeed(this.maskingSeed);
    this.selfMaskSeed = random(SEED_BYTES);
  }

  private expect(step: typeof this.step): void {
    if (this.step !== step) throw new SecureAggregationError(`${this.id}: expected the ${this.step} step, got ${step}`);
  }

  /** Step 1: the public keys to publish. */
  advertise(): AdvertisedKeys {
    this.expect('advertise');
    this.step = 'share';
    return { participant: this.id, encryptionKey: rawPublicKey(this.encryptionPrivate), maskingKey: rawPublicKey(this.maskingPrivate) };
  }

  private shareKey(peer: AdvertisedKeys): Buffer {
    return Buffer.from(
      agreedSeed(this.encryptionPrivate, publicKeyFromRaw(peer.encryptionKey, `encryption key of ${peer.participant}`), this.options.sessionId, 'shares'),
    );
  }

  /** Step 2: given every advertised key set (at least the threshold), the encrypted shares for each other participant. */
  shareKeys(advertised: readonly AdvertisedKeys[]): EncryptedShares[] {
    this.expect('share');
    const { participants, threshold, sessionId } = this.options;
    for (const keys of advertised) {
      if (!participants.includes(keys.participant)) throw new SecureAggregationError(`keys from ${keys.participant}, who is not a participant`);
      this.peers.set(keys.participant, keys);
    }
    if (!this.peers.has(this.id)) throw new SecureAggregationError(`the advertised keys do not include ${this.id}'s own`);
    if (this.peers.size < threshold) throw new InsufficientSharesError(`${this.peers.size} participants advertised keys; the threshold is ${threshold}`);
    const n = participants.length;
    const selfShares = splitSecret(this.selfMaskSeed, threshold, n, this.random);
    const keyShares = splitSecret(this.maskingSeed, threshold, n, this.random);
    const out: EncryptedShares[] = [];
    for (const peer of this.peers.values()) {
      const position = participants.indexOf(peer.participant);
      const payload: SharePayload = { selfMask: selfShares[position], maskingKey: keyShares[position] };
      if (peer.participant === this.id) {
        this.received.set(this.id, payload);
        continue;
      }
      const iv = Buffer.from(this.random(12));
      const cipher = createCipheriv('aes-256-gcm', this.shareKey(peer), iv);
      cipher.setAAD(Buffer.from(`${sessionId}|${this.id}|${peer.participant}`));
      const body = Buffer.concat([cipher.update(JSON.stringify(payload)), cipher.final()]);
      out.push({ from: this.id, to: peer.participant, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64') });
    }
    this.step = 'mask';
    return out;
  }

  /** Step 3: decrypts the shares addressed to this participant and masks `values` with every peer that sent some. */
  maskInput(values: ArrayLike<number>, shares: readonly EncryptedShares[]): MaskedInput {
    this.expect('mask');
    const { sessionId, length, participants } = this.options;
    if (values.length !== length) throw new SecureAggregationError(`${this.id}: input has ${values.length} values, expected ${length}`);
    for (const message of shares) {
      if (message.to !== this.id) throw new SecureAggregationError(`shares for ${message.to} were routed to ${this.id}`);
      const peer = this.peers.get(message.from);
      if (!peer || message.from === this.id) throw new SecureAggregationError(`shares from ${message.from}, who advertised no keys`);
      const raw = Buffer.from(message.ciphertext, 'base64');
      try {
        const decipher = createDecipheriv('aes-256-gcm', this.shareKey(peer), raw.subarray(0, 12));
        decipher.setAAD(Buffer.from(`${sessionId}|${message.from}|${this.id}`));
        decipher.setAuthTag(raw.subarray(12, 28));
        const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
        this.received.set(message.from, JSON.parse(plain.toString('utf8')) as SharePayload);
      } catch (cause) {
        throw new SecureAggregationError(`shares from ${message.from} to ${this.id} do not authenticate`, { cause });
      }
    }
    const words = encodeFixedPoint(values, this.options.fractionalBits ?? DEFAULT_FRACTIONAL_BITS);
    addWordsInPlace(words, expandSeed(this.selfMaskSeed, length));
    for (const peerId of this.received.keys()) {
      if (peerId === this.id) continue;
      const peer = this.peers.get(peerId)!;
      const seed = agreedSeed(this.maskingPrivate, publicKeyFromRaw(peer.maskingKey, `masking key of ${peerId}`), sessionId, 'mask');
      addWordsInPlace(words, expandSeed(seed, length), pairSign(participants, this.id, peerId));
    }
    this.step = 'unmask';
    return { participant: this.id, words: wordsToBase64(words) };
  }

  /**
   * Step 4: given the participants whose masked inputs arrived, reveals per peer one share: of its
   * self-mask seed if it survived, of its masking key if it dropped. Refuses when fewer than the
   * threshold survived, or when a survivor never took part in step 2 (both secrets of it could leak).
   */
  unmask(survivors: readonly string[]): UnmaskingShares {
    this.expect('unmask');
    const surviving = new Set(survivors);
    if (!surviving.has(this.id)) throw new UnmaskRefusedError(`${this.id} is not among the survivors it is asked to unmask`);
    if (surviving.size < this.options.threshold) {
      throw new InsufficientSharesError(`${surviving.size} survivor(s) cannot unmask with threshold ${this.options.threshold}`);
    }
    const selfMaskShares: Record<string, Share> = {};
    const maskingKeyShares: Record<string, Share> = {};
    for (const survivor of surviving) {
      const payload = this.received.get(survivor);
      if (!payload) throw new UnmaskRefusedError(`${survivor} is named a survivor but sent ${this.id} no shares`);
      selfMaskShares[survivor] = payload.selfMask;
    }
    for (const [peer, payload] of this.received) if (!surviving.has(peer)) maskingKeyShares[peer] = payload.maskingKey;
    this.step = 'done';
    return { participant: this.id, selfMaskShares, maskingKeyShares };
  }
}

/**
 * The coordinator's side: routes keys and shares, collects masked inputs, and removes the masks.
 * It never holds a participant's input, only the sum.
 * @example const sum = coordinator.aggregate(); // Float64Array of the survivors' summed vectors
 */
export class SecureAggregator {
  private readonly keys = new Map<string, AdvertisedKeys>();
  private readonly shares = new Map<string, EncryptedShares[]>();
  private readonly sharers = new Set<string>();
  private readonly masked = new Map<string, Uint32Array>();
  private readonly unmasking = new Map<string, UnmaskingShares>();

  constructor(private readonly options: SecureAggregationOptions) {
    validateOptions(options);
  }

  private known(participant: string): void {
    if (!this.options.participants.includes(participant)) throw new SecureAggregationError(`${participant} is not a participant of ${this.options.sessionId}`);
  }

  /** Step 1 in: one participant's keys (a second set from the same participant is refused). */
  receiveKeys(keys: AdvertisedKeys): void {
    this.known(keys.participant);
    if (this.keys.has(keys.participant)) throw new SecureAggregationError(`${keys.participant} already advertised keys`);
    this.keys.set(keys.participant, keys);
  }

  /** Step 1 out: every advertised key set. */
  advertisedKeys(): AdvertisedKeys[] {
    return [...this.keys.values()];
  }

  /** Step 2 in: one participant's encrypted shares. */
  receiveShares(from: string, messages: readonly EncryptedShares[]): void {
    this.known(from);
    if (!this.keys.has(from)) throw new SecureAggregationError(`${from} sent shares without advertising keys`);
    if (this.sharers.has(from)) throw new SecureAggregationError(`${from} already sent shares`);
    for (const m of messages) {
      if (m.from !== from || !this.keys.has(m.to)) throw new SecureAggregationError(`a share message from ${m.from} to ${m.to} is not routable`);
    }
    this.sharers.add(from);
    for (const m of messages) this.shares.set(m.to, [...(this.shares.get(m.to) ?? []), m]);
  }

  /** Step 2 out: the shares addressed to `participant`. */
  sharesFor(participant: string): EncryptedShares[] {
    return (this.shares.get(participant) ?? []).filter((m) => this.sharers.has(m.from));
  }

  /** Step 3 in: one masked input. */
  receiveMaskedInput(input: MaskedInput): void {
    this.known(input.participant);
    if (!this.sharers.has(input.participant)) throw new SecureAggregationError(`${input.participant} submitted a masked input without sharing keys`);
    if (this.masked.has(input.participant)) throw new SecureAggregationError(`${input.participant} already submitted a masked input`);
    this.masked.set(input.participant, maskedWords(input, this.options.length));
  }

  /** Step 3 out: the participants whose masked inputs arrived (the ones to unmask). */
  survivors(): string[] {
    return this.options.participants.filter((p) => this.masked.has(p));
  }

  /** Participants that shared keys but sent no masked input. */
  dropped(): string[] {
    return this.options.participants.filter((p) => this.sharers.has(p) && !this.masked.has(p));
  }

  /** Step 4 in: one survivor's unmasking shares. */
  receiveUnmaskingShares(shares: UnmaskingShares): void {
    this.known(shares.participant);
    if (!this.masked.has(shares.participant)) throw new SecureAggregationError(`${shares.participant} sent unmasking shares but is not a survivor`);
    this.unmasking.set(shares.participant, shares);
  }

  /** The sum of the survivors' inputs; needs unmasking shares from at least the threshold of survivors. */
  aggregate(): Float64Array {
    const { threshold, length, sessionId, participants } = this.options;
    if (this.unmasking.size < threshold) {
      throw new InsufficientSharesError(`${this.unmasking.size} survivor(s) sent unmasking shares; ${threshold} are needed`);
    }
    const responses = [...this.unmasking.values()];
    const collect = (pick: (r: UnmaskingShares) => Share | undefined): Share[] => responses.map(pick).filter((s): s is Share => s !== undefined);
    const sum = new Uint32Array(length * 2);
    const survivors = this.survivors();
    for (const u of survivors) {
      addWordsInPlace(sum, this.masked.get(u)!);
      const shares = collect((r) => r.selfMaskShares[u]);
      const selfSeed = combineShares(shares, SEED_BYTES, threshold);
      addWordsInPlace(sum, expandSeed(selfSeed, length), -1);
    }
    for (const v of this.dropped()) {
      const maskingSeed = combineShares(
        collect((r) => r.maskingKeyShares[v]),
        SEED_BYTES,
        threshold,
      );
      const privateKey = privateKeyFromSeed(maskingSeed);
      if (rawPublicKey(privateKey) !== this.keys.get(v)!.maskingKey) throw new SecureAggregationError(`the shares of ${v}'s masking key do not reconstruct it`);
      for (const u of survivors) {
        const seed = agreedSeed(privateKey, publicKeyFromRaw(this.keys.get(u)!.maskingKey, `masking key of ${u}`), sessionId, 'mask');
        // u added pairSign(u, v) · PRG(s_uv); take it away.
        addWordsInPlace(sum, expandSeed(seed, length), pairSign(participants, u, v) === 1 ? -1 : 1);
      }
    }
    return decodeFixedPoint(sum, this.options.fractionalBits ?? DEFAULT_FRACTIONAL_BITS);
  }
}
