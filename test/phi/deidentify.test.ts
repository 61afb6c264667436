// De-identification before a prompt leaves for an endpoint no BAA covers: identifiers found in a
// payload, the final scrub of prompt text, dates as days from the event, birth date as age band.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type PhiContext, ageBand, ageBandOfYears, deidentifyData, identityOf, relativeDay, scrubText } from '../../src/phi/deidentify.ts';
import { CANARY, containsCanary } from '../support/canary.ts';

const EVENT_TIME = '2026-11-26T08:30:00-05:00';

/** A lab payload as the HL7 and FHIR mappers produce it, with canaries and an address and phone. */
const payload = {
  source: { format: 'hl7v2' },
  patient: {
    identifiers: [{ value: CANARY.mrn, type: 'MR', authority: 'HOSP' }, { value: '123-45-6789', type: 'SS' }],
    name: { family: 'ZZCANARY', given: ['PATIENT', 'Q'] },
    birthDate: CANARY.dob,
    sex: 'female',
    address: { line: ['12 Canaryfield Lane'], city: 'Canaryville', postalCode: '99501' },
    telecom: [{ system: 'phone', value: '(555) 201-7731' }],
    email: 'zz.canary@example.org',
  },
  encounter: { visitNumber: 'V-CANARY-55', location: { facility: 'MAIN', room: '402' } },
  order: { placerNumber: 'ORD-CANARY-1' },
  observations: [{ code: { system: 'http://loinc.org', code: '2951-2' }, value: 128, units: 'mmol/L', observedAt: '2026-11-23T06:00:00-05:00' }],
};

const ctx: PhiContext = { identity: identityOf(payload, ['pt-pseudonym-1', 'enc-pseudonym-1']), referenceTime: EVENT_TIME };

describe('de-identification', () => {
  it('finds every identifier of the patient in a payload', () => {
    const id = ctx.identity;
    assert.ok(id.identifiers.includes(CANARY.mrn));
    assert.ok(id.identifiers.includes('V-CANARY-55'));
    assert.ok(id.identifiers.includes('ORD-CANARY-1'));
    assert.ok(id.identifiers.includes('pt-pseudonym-1'));
    assert.ok(!id.identifiers.includes('MR'), 'an identifier type is not an identifier');
    assert.deepEqual(id.names.sort(), ['PATIENT', 'Q', 'ZZCANARY']);
    assert.ok(id.addresses.includes('12 Canaryfield Lane') && id.addresses.includes('Canaryville') && id.addresses.includes('99501'));
    assert.deepEqual(id.phones, ['(555) 201-7731']);
    assert.deepEqual(id.emails, ['zz.canary@example.org']);
    assert.equal(id.birthDate, CANARY.dob);
  });

  it('scrubs every known identifier and every date from free text', () => {
    const text = [
      `Seen: ${CANARY.name} (zzcanary, Patient), MRN ${CANARY.mrn}, born ${CANARY.dob}.`,
      'Lives at 12 Canaryfield Lane, Canaryville 99501; call (555) 201-7731 or zz.canary@example.org; SSN 123-45-6789.',
      'Visit V-CANARY-55, order ORD-CANARY-1, key pt-pseudonym-1.',
      'Seen 2026-11-23T06:00:00-05:00, again 11/25/2026 and 20261124083000; admitted 2026-11-20.',
      'Sodium 128 mmol/L, potassium 5.3 mmol/L, room 402.',
    ].join(' ');
    const out = scrubText(text, ctx);
    assert.equal(containsCanary(out), undefined, out);
    for (const leaked of ['Canaryfield', '99501', '201-7731', 'example.org', '6789', '2026', '11/25']) assert.ok(!out.includes(leaked), `${leaked} in ${out}`);
    assert.match(out, /Seen day -3, again day -1 and day -2; admitted day -6\./);
    assert.match(out, /Sodium 128 mmol\/L, potassium 5\.3 mmol\/L, room 402\./, 'values are left as they are');
    assert.match(out, /Seen: \[name\]\^\[name\] \(\[name\], \[name\]\), MRN \[id\], born \[birth date\]\./);
  });

  it('structured data: identifier fields dropped, birth date as an age band, dates as days', () => {
    const withRealDob = { ...payload, patient: { ...payload.patient, birthDate: '1950-12-01' } };
    const out = deidentifyData(withRealDob, ctx);
    const text = JSON.stringify(out);
    assert.equal(containsCanary(text), undefined, text);
    assert.ok(!text.includes('1950') && !text.includes('Canaryville') && !text.includes('555'), text);
    const o = out as { patient: Record<string, unknown>; observations: { observedAt: string; value: number }[]; encounter: Record<string, unknown> };
    assert.deepEqual(o.patient, { ageBand: '70-79', sex: 'female' });
    assert.equal(o.observations[0]?.observedAt, 'day -3');
    assert.equal(o.observations[0]?.value, 128);
    assert.deepEqual(o.encounter, { location: { facility: 'MAIN', room: '402' } });
  });

  it('ages: ten-year bands, 90 and over as one, birthdays counted', () => {
    assert.equal(ageBand('1950-11-27', '2026-11-26T08:30:00Z'), '70-79');
    assert.equal(ageBand('1956-11-26', '2026-11-26'), '70-79');
    assert.equal(ageBand('1956-11-27', '2026-11-26'), '60-69');
    assert.equal(ageBand('1931-02-28', EVENT_TIME), '90+');
    assert.equal(ageBand(CANARY.dob, EVENT_TIME), undefined, 'an impossible date');
    assert.equal(ageBandOfYears(4), '0-9');
    assert.equal(ageBandOfYears(-1), undefined);
  });

  it('relative days count calendar dates as written', () => {
    assert.equal(relativeDay('2026-11-26T23:59:00-05:00', EVENT_TIME), 'day 0');
    assert.equal(relativeDay('2026-11-23', EVENT_TIME), 'day -3');
    assert.equal(relativeDay('2026-12-01T00:00:00Z', EVENT_TIME), 'day 5');
    assert.equal(relativeDay('not a date', EVENT_TIME), '[date]');
  });

  it('leaves short identifiers alone rather than eat lab values', () => {
    const out = scrubText('Sodium 12 mmol/L', { identity: { ...ctx.identity, identifiers: ['12'] }, referenceTime: EVENT_TIME });
    assert.equal(out, 'Sodium 12 mmol/L');
  });
});
