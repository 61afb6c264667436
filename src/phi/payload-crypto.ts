// Payload encryption (DESIGN §4, invariant 8): the gateway seals `payload` with the patient's data
// key (AES-256-GCM) before it reaches Kafka; workers open it again before processors see it. The
// other five envelope fields stay readable (ids are pseudonyms), so routing, keys and dedup work
// on sealed records. The associated data binds the ciphertext to its event id, patient id and key
// id: a payload moved to another event, or given another key id, fails authentication.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { HEADER, type Headers } from '../event/codec.ts';
import { type ClinicalEvent, EventValidationError, type JsonObject } from '../event/envelope.ts';
import { DESTROYED, type PatientKeys } from './patient-keys.ts';

export const ENC_ALG = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What `payload` holds on the wire when encryption is on. */
export interface SealedPayload {
  alg: typeof ENC_ALG;
  key_id: string;
  /** base64 */
  iv: string;
  /** base64 of ciphertext | GCM tag */
  ciphertext: string;
}

function aad(eventId: string, patientId: string, keyId: string): Buffer {
  return Buffer.from(`vigil-payload-v1\u0000${eventId}\u0000${patientId}\u0000${keyId}`);
}

function refused(field: string, rule: string): EventValidationError {
  return new EventValidationError([{ field, rule }]);
}

export class PayloadCrypto {
  readonly #keys: PatientKeys;

  constructor(keys: PatientKeys) {
    this.#keys = keys;
  }

  /** The event with its payload sealed, and the headers that say so. */
  async seal(event: ClinicalEvent): Promise<{ event: ClinicalEvent; headers: Headers }> {
    const { keyId, key } = await this.#keys.current(event.patient_id);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(event.event_id, event.patient_id, keyId));
    const ct = Buffer.concat([cipher.update(JSON.stringify(event.payload)), cipher.final(), cipher.getAuthTag()]);
    const payload: SealedPayload = { alg: ENC_ALG, key_id: keyId, iv: iv.toString('base64'), ciphertext: ct.toString('base64') };
    return { event: { ...event, payload: payload as unknown as JsonObject }, headers: { [HEADER.encKey]: keyId, [HEADER.encAlg]: ENC_ALG } };
  }

  /**
   * The event with its payload opened; the event as it is when it was never sealed (no encryption
   * headers and no sealed payload); undefined when its patient was forgotten (data key destroyed).
   * Throws EventValidationError when the record is sealed but cannot be trusted.
   */
  async open(event: ClinicalEvent, headers: Headers): Promise<ClinicalEvent | undefined> {
    const sealed = event.payload as Partial<Record<keyof SealedPayload, unknown>>;
    const alg = headers[HEADER.encAlg];
    if (alg === undefined && sealed.alg !== ENC_ALG) return event;
    if (alg !== ENC_ALG) throw refused(HEADER.encAlg, `must be ${ENC_ALG}`);
    const keys = Object.keys(sealed).sort().join(',');
    if (keys !== 'alg,ciphertext,iv,key_id' || sealed.alg !== ENC_ALG || typeof sealed.key_id !== 'string' || typeof sealed.iv !== 'string' || typeof sealed.ciphertext !== 'string') {
      throw refused('payload', 'must be a sealed payload {alg, key_id, iv, ciphertext}');
    }
    if (headers[HEADER.encKey] !== sealed.key_id) throw refused(HEADER.encKey, 'must equal payload.key_id');
    const key = await this.#keys.byId(sealed.key_id, event.patient_id);
    if (key === DESTROYED) return undefined;
    const iv = Buffer.from(sealed.iv, 'base64');
    const data = Buffer.from(sealed.ciphertext, 'base64');
    if (iv.length !== IV_BYTES || data.length < TAG_BYTES) throw refused('payload', 'must hold a 12-byte iv and a GCM tag');
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(aad(event.event_id, event.patient_id, sealed.key_id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      plain = Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw refused('payload', 'must authenticate with its data key for this event_id and patient_id');
    }
    const payload: unknown = JSON.parse(plain.toString('utf8'));
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw refused('payload', 'must open to a JSON object');
    return { ...event, payload: payload as JsonObject };
  }
}
