// The simulated hospital: a discrete-event model of arrivals, beds, stays, transfers, discharges
// and the clinical work in between (vital signs, lab and imaging orders and their results,
// medication orders). Each handled event may emit HL7 messages; events are processed in time
// order (ties in scheduling order), and every follow-up of an event is scheduled after it, so each
// patient's messages keep their causal order: registration first, orders before their results,
// discharge last (anything still pending for a closed encounter is dropped, and orders whose
// result could not arrive before the planned end of the stay are never placed).

import { DIRECT_ARRIVAL_CURVE, ED_ARRIVAL_CURVE, nextArrival } from './arrivals.ts';
import { DAY, HOUR, localHour, MINUTE, nextLocalHour } from './clock.ts';
import {
  ADMISSION_REASONS,
  ED_REASONS,
  HOSPITAL_COURSE,
  type AdmissionReason,
  type DiagnosisCode,
  type EdReason,
} from './diagnoses.ts';
import { admissionDiagnoses, plannedEnd, type Encounter, type Leg } from './encounter.ts';
import { EventQueue } from './event-queue.ts';
import { imagingStudy } from './imaging.ts';
import { drawValue, PANELS, type PanelKey } from './labs.ts';
import { MEDICATIONS, type MedicationKey } from './medications.ts';
import { MessageWriter, type BuiltMessage, type PlacedOrder } from './messages.ts';
import { ageAt, createPatient, type Patient } from './people.ts';
import { PROVIDERS } from './providers.ts';
import { fnv1a, Random, type Seed } from './random.ts';
import { Census, type Bed, type UnitConfig, type UnitKind } from './units.ts';
import { drawVitals, type VitalSign } from './vitals.ts';

export interface HospitalOptions {
  seed: Seed;
  /** Simulated time of the first event, in ms since the epoch. */
  start: number;
  canary: boolean;
  units: readonly UnitConfig[];
  edVisitsPerDay: number;
  directAdmissionsPerDay: number;
  utcOffsetMinutes: number;
  facility: string;
  /** Fill the inpatient units to `initialOccupancy` at the start (a census load of A01s). */
  warmStart: boolean;
  initialOccupancy: number;
}

export interface Emitted {
  at: number;
  message: BuiltMessage;
  patientRef: string;
}

type Event =
  | { kind: 'edArrival' }
  | { kind: 'edWaiting'; patient: Patient; admitFor: AdmissionReason | undefined; since: number }
  | { kind: 'directAdmission' }
  | { kind: 'directWaiting'; patient: Patient; reason: AdmissionReason; since: number }
  | { kind: 'edDeparture'; enc: Encounter }
  | { kind: 'legEnd'; enc: Encounter }
  | { kind: 'vitals'; enc: Encounter }
  | { kind: 'morningLabs'; enc: Encounter }
  | { kind: 'labOrder'; enc: Encounter; panel: PanelKey; priority: 'S' | 'R' }
  | { kind: 'labResult'; enc: Encounter; order: PlacedOrder; panel: PanelKey; collectedAt: number }
  | { kind: 'imagingOrder'; enc: Encounter; cpt: string; priority: 'S' | 'R'; orderType: 'I' | 'O' }
  | { kind: 'imagingResult'; enc: Encounter; order: PlacedOrder; cpt: string }
  | { kind: 'medOrder'; enc: Encounter; med: MedicationKey; indication: DiagnosisCode | undefined }
  | { kind: 'update'; enc: Encounter };

// Length of visit in the ED: median about 2.7 h for patients sent home (CMS Timely and Effective
// Care measure OP-18b, national median time from arrival to departure, about 160 minutes), longer
// for patients who are admitted (assumption: median 4.5 h before a bed is requested).
const ED_STAY_HOME_MEDIAN = 2.7 * HOUR;
const ED_STAY_ADMIT_MEDIAN = 4.5 * HOUR;
// Patients still waiting for an ED bay after this long leave without being seen (assumption).
const LEFT_WITHOUT_BEING_SEEN = 4 * HOUR;
// Share of ED visits that end in admission (NHAMCS: about 1 in 8 visits overall, rising steeply
// with age; the by-age shares are assumptions that average to it over the ED's age mix).
const ED_ADMIT_OVERALL = 0.125;
const ED_ADMIT_BY_AGE: readonly (readonly [number, number])[] = [
  [45, 0.06],
  [65, 0.13],
  [80, 0.22],
  [Infinity, 0.32],
];
// Share of new arrivals who are former patients of this hospital (assumption; HCUP puts 30-day
// all-cause readmissions at about 14% of adult stays).
const RETURNING_SHARE = 0.12;
const RETURNING_POOL_LIMIT = 5000;

/** A compact per-run tag for identifiers, so runs with different seeds never share an id. */
function runTag(seed: Seed): string {
  return fnv1a(`tag:${String(seed)}`).toString(36).toUpperCase().padStart(7, '0').slice(-5);
}

export class Hospital {
  readonly census: Census;
  readonly #o: HospitalOptions;
  readonly #queue = new EventQueue<Event>();
  readonly #arrivals: Random;
  readonly #r: Random;
  /** Vitals charted on arrival (triage, admission, transfer): a stream of their own, so the rest of a seeded run stays as it was. */
  readonly #arrivalVitals: Random;
  readonly #writer: MessageWriter;
  readonly #tag: string;
  readonly #idBase: number;
  #out: Emitted[] = [];
  #patients = 0;
  #visits = 0;
  #orders = 0;
  #returning: Patient[] = [];

  constructor(options: HospitalOptions) {
    this.#o = options;
    this.census = new Census(options.units);
    const root = new Random(options.seed);
    // Separate streams: arrival times do not shift when clinical details change.
    this.#arrivals = root.fork('arrivals');
    this.#r = root.fork('clinical');
    this.#arrivalVitals = root.fork('arrival-vitals');
    this.#tag = runTag(options.seed);
    this.#idBase = fnv1a(`ids:${String(options.seed)}`) % 50_000_000;
    this.#writer = new MessageWriter({ facility: options.facility, utcOffsetMinutes: options.utcOffsetMinutes, controlPrefix: this.#tag });
    if (options.warmStart) this.#warmStart(options.start);
    if (options.edVisitsPerDay > 0) this.#queue.push(this.#nextArrival(options.start, options.edVisitsPerDay, ED_ARRIVAL_CURVE), { kind: 'edArrival' });
    if (options.directAdmissionsPerDay > 0) {
      this.#queue.push(this.#nextArrival(options.start, options.directAdmissionsPerDay, DIRECT_ARRIVAL_CURVE), { kind: 'directAdmission' });
    }
  }

  /** Time of the next event, or undefined when nothing is left (no arrivals configured). */
  nextTime(): number | undefined {
    return this.#queue.peekTime();
  }

  /** Handles the next event and returns what it emitted (often nothing). */
  step(): Emitted[] | undefined {
    const next = this.#queue.pop();
    if (!next) return undefined;
    this.#handle(next.at, next.item);
    const out = this.#out;
    this.#out = [];
    return out;
  }

  // ---- arrivals ------------------------------------------------------------------------------

  #nextArrival(from: number, perDay: number, curve: readonly number[]): number {
    return nextArrival(this.#arrivals, from, perDay, curve, this.#o.utcOffsetMinutes);
  }

  #pickReason(patient: Patient | undefined, filter: (r: AdmissionReason) => boolean): AdmissionReason {
    const eligible = ADMISSION_REASONS.filter((r) => filter(r) && (!patient || !r.requires || patient.conditions.has(r.requires)));
    return this.#r.weighted(eligible.map((r) => [r, r.weight] as const));
  }

  /** A former patient who is not in the house, or undefined. */
  #returningPatient(): Patient | undefined {
    if (this.#returning.length === 0 || !this.#r.chance(RETURNING_SHARE)) return undefined;
    const i = this.#r.int(0, this.#returning.length - 1);
    const [patient] = this.#returning.splice(i, 1);
    return patient;
  }

  #newPatient(at: number, setting: 'inpatient' | 'emergency', reason?: AdmissionReason): Patient {
    const index = this.#patients++;
    return createPatient(this.#r, index, at, setting, this.#o.canary, reason?.requires, this.#idBase);
  }

  #onEdArrival(at: number): void {
    this.#queue.push(this.#nextArrival(at, this.#o.edVisitsPerDay, ED_ARRIVAL_CURVE), { kind: 'edArrival' });
    const returning = this.#returningPatient();
    // A former patient's chance of admission follows their age. For a new patient the disposition
    // is decided first, at the overall rate, and the patient drawn to fit it: admitted patients
    // from the older inpatient age mix, with the condition their admission implies.
    const admitChance = returning ? ED_ADMIT_BY_AGE.find(([limit]) => ageAt(returning, at) < limit)![1] : ED_ADMIT_OVERALL;
    const admitFor = this.#r.chance(admitChance) ? this.#pickReason(returning, (r) => !r.elective) : undefined;
    const patient = returning ?? this.#newPatient(at, admitFor ? 'inpatient' : 'emergency', admitFor);
    this.#tryEd(at, patient, admitFor, at);
  }

  #tryEd(at: number, patient: Patient, admitFor: AdmissionReason | undefined, since: number): void {
    const bay = this.census.freeBed('emergency', at, this.#r);
    if (bay) {
      this.#startEd(at, patient, admitFor, bay);
    } else if (at - since < LEFT_WITHOUT_BEING_SEEN) {
      this.#queue.push(at + this.#r.uniform(10, 20) * MINUTE, { kind: 'edWaiting', patient, admitFor, since });
    } else {
      this.#discharged(patient);
    }
  }

  #onDirectAdmission(at: number): void {
    this.#queue.push(this.#nextArrival(at, this.#o.directAdmissionsPerDay, DIRECT_ARRIVAL_CURVE), { kind: 'directAdmission' });
    const returning = this.#returningPatient();
    // Half are scheduled (elective) cases, half transfers or direct admissions from clinics.
    const elective = this.#r.chance(0.5);
    const reason = this.#pickReason(returning, (r) => (elective ? r.elective === true : !r.elective));
    const patient = returning ?? this.#newPatient(at, 'inpatient', reason);
    this.#tryDirect(at, patient, reason, at);
  }

  #tryDirect(at: number, patient: Patient, reason: AdmissionReason, since: number): void {
    const legs = this.#legs(reason, this.#r.chance(reason.icu));
    const bed = this.census.freeBed(legs[0]!.unit, at, this.#r);
    if (bed) {
      this.#startInpatient(at, patient, reason, legs, bed, reason.elective ? 'C' : 'U', reason.elective ? '1' : '4', false);
    } else if (at - since < DAY) {
      // No bed: the admission waits (elective cases are postponed, transfers held at the sender).
      this.#queue.push(at + HOUR, { kind: 'directWaiting', patient, reason, since });
    } else {
      this.#discharged(patient);
    }
  }

  // ---- encounters ----------------------------------------------------------------------------

  #unitKind(kind: Exclude<UnitKind, 'emergency'>): Exclude<UnitKind, 'emergency'> {
    return this.census.has(kind) ? kind : 'ward';
  }

  /** The planned legs of a stay. Inpatient stays are log-normal around the reason's median. */
  #legs(reason: AdmissionReason, startsInIcu: boolean): Leg[] {
    const r = this.#r;
    const days = (median: number, sigma: number): number => Math.min(30 * DAY, Math.max(3 * HOUR, r.lognormal(median * DAY, sigma)));
    const unit = this.#unitKind(reason.unit);
    const icu = this.#unitKind('icu');
    // ICU stays: median about 2.5 days (SCCM Critical Care Statistics: mean ICU stay 3.3-3.8 days),
    // then a step-down to the reason's unit.
    if (startsInIcu) return [{ unit: icu, durationMs: days(2.5, 0.6) }, { unit, durationMs: days(Math.max(1, reason.losDays * 0.6), 0.55) }];
    const total = days(reason.losDays, 0.55);
    // About 3% of ward patients deteriorate and go to intensive care (assumption, in line with
    // rapid-response literature).
    if (unit !== icu && r.chance(0.03)) {
      const before = total * r.uniform(0.2, 0.6);
      return [
        { unit, durationMs: before },
        { unit: icu, durationMs: days(2, 0.5) },
        { unit, durationMs: Math.max(12 * HOUR, total - before) },
      ];
    }
    return [{ unit, durationMs: total }];
  }

  #newEncounter(at: number, patient: Patient, kind: Encounter['kind'], principal: DiagnosisCode, bed: Bed): Encounter {
    const r = this.#r;
    const visit = this.#idBase * 10 + 1_000_000_000 + this.#visits++ * 7 + r.int(0, 6);
    const conditions = patient.conditions;
    const enc: Encounter = {
      visitNumber: String(visit),
      patient,
      kind,
      patientClass: kind === 'emergency' ? 'E' : 'I',
      admissionType: 'E',
      admitSource: '1',
      service: 'EMR',
      attending: r.pick(PROVIDERS),
      principal,
      diagnoses: [],
      admitAt: at,
      bed,
      priorBed: undefined,
      closed: false,
      lab: {
        sex: patient.sex,
        conditions,
        onWarfarin: patient.homeMeds.includes('warfarin'),
        infection: false,
        diabeticCrisis: false,
        tendencies: new Map(),
        ...(patient.ckdStage ? { ckdStage: patient.ckdStage } : {}),
      },
      vitals: { acuity: 0.1, copd: conditions.has('copd'), infection: false },
      meds: new Set(),
      legs: [],
      legIndex: 0,
      legStartedAt: at,
      departAt: at,
    };
    this.census.occupy(bed, enc.visitNumber);
    patient.inHouse = true;
    return enc;
  }

  #startEd(at: number, patient: Patient, admitFor: AdmissionReason | undefined, bay: Bed): void {
    const r = this.#r;
    const edReason: EdReason | undefined = admitFor ? undefined : r.weighted(ED_REASONS.map((e) => [e, e.weight] as const));
    const principal = admitFor?.dx ?? edReason!.dx;
    const enc = this.#newEncounter(at, patient, 'emergency', principal, bay);
    enc.admitFor = admitFor;
    if (edReason) enc.edReason = edReason;
    enc.diagnoses = admissionDiagnoses(at, patient, principal, 'W');
    enc.departAt = at + Math.max(40 * MINUTE, r.lognormal(admitFor ? ED_STAY_ADMIT_MEDIAN : ED_STAY_HOME_MEDIAN, 0.45));
    const infection = admitFor?.infection ?? false;
    enc.lab.infection = infection;
    enc.vitals.infection = infection;
    enc.lab.diabeticCrisis = admitFor?.dx.code === 'E11.10';
    enc.vitals.acuity = admitFor ? r.uniform(0.2, 0.55) + (admitFor.icu > 0.2 ? 0.2 : 0) : r.uniform(0, 0.3);
    // Triage vitals are charted as the patient is registered.
    this.#emit(at, enc, this.#writer.adt('A04', enc, at, this.#arrivalSigns(enc)));
    this.#schedule(at + r.uniform(5, 20) * MINUTE, { kind: 'vitals', enc });
    const labs = admitFor ? 1 : edReason!.labs;
    if (r.chance(labs)) {
      const when = at + r.uniform(10, 40) * MINUTE;
      this.#schedule(when, { kind: 'labOrder', enc, panel: admitFor ? 'cmp' : 'bmp', priority: 'S' });
      this.#schedule(when, { kind: 'labOrder', enc, panel: 'cbc', priority: 'S' });
      if (enc.lab.onWarfarin) this.#schedule(when, { kind: 'labOrder', enc, panel: 'inr', priority: 'S' });
    }
    // Plain films and CT are done in the ED; MRI, echo and ultrasound wait for the inpatient stay.
    const imaging: [string, number][] = admitFor
      ? admitFor.imaging.filter((cpt) => ['XR', 'CT'].includes(imagingStudy(cpt).modality)).map((cpt) => [cpt, 0.9])
      : edReason!.imaging.map(([cpt, p]) => [cpt, p]);
    for (const [cpt, p] of imaging) {
      if (r.chance(p)) this.#schedule(at + r.uniform(15, 60) * MINUTE, { kind: 'imagingOrder', enc, cpt, priority: 'S', orderType: 'I' });
    }
    const meds = (admitFor?.meds ?? edReason!.meds).filter(() => r.chance(0.7));
    if (edReason?.pain && r.chance(0.6)) meds.push(r.chance(0.7) ? 'ibuprofen' : 'naproxen');
    for (const med of meds) this.#schedule(at + r.uniform(20, 90) * MINUTE, { kind: 'medOrder', enc, med, indication: principal });
    this.#schedule(enc.departAt, { kind: 'edDeparture', enc });
  }

  #onEdDeparture(at: number, enc: Encounter): void {
    if (enc.closed) return;
    const r = this.#r;
    const admitFor = enc.admitFor;
    if (!admitFor) {
      // A few leave against medical advice (NHAMCS: about 1-2% of visits).
      this.#close(at, enc, r.chance(0.015) ? '07' : '01');
      return;
    }
    const legs = this.#legs(admitFor, r.chance(admitFor.icu));
    const bed = this.census.freeBed(legs[0]!.unit, at, r);
    if (!bed) {
      // No inpatient bed: the patient boards in the ED and the request is tried again.
      enc.departAt = at + r.uniform(30, 60) * MINUTE;
      this.#schedule(enc.departAt, { kind: 'edDeparture', enc });
      return;
    }
    const acuity = enc.vitals.acuity;
    this.#close(at, enc, '09');
    const inpatient = this.#startInpatient(at, enc.patient, admitFor, legs, bed, 'E', '7', true);
    inpatient.vitals.acuity = acuity;
  }

  #startInpatient(
    at: number,
    patient: Patient,
    reason: AdmissionReason,
    legs: Leg[],
    bed: Bed,
    admissionType: Encounter['admissionType'],
    admitSource: Encounter['admitSource'],
    fromEd: boolean,
  ): Encounter {
    const r = this.#r;
    const enc = this.#newEncounter(at, patient, 'inpatient', reason.dx, bed);
    enc.reason = reason;
    enc.legs = legs;
    enc.admissionType = admissionType;
    enc.admitSource = admitSource;
    enc.service = reason.service;
    enc.diagnoses = admissionDiagnoses(at, patient, reason.dx, 'A');
    enc.lab.infection = reason.infection ?? false;
    enc.vitals.infection = reason.infection ?? false;
    enc.lab.diabeticCrisis = reason.dx.code === 'E11.10';
    enc.vitals.acuity = bed.unit.kind === 'icu' ? r.uniform(0.55, 0.9) : r.uniform(0.1, 0.45);
    this.#emit(at, enc, this.#writer.adt('A01', enc, at, this.#arrivalSigns(enc)));
    this.#schedule(at + r.uniform(10, 30) * MINUTE, { kind: 'vitals', enc });
    if (!fromEd) {
      const when = at + r.uniform(20, 90) * MINUTE;
      this.#schedule(when, { kind: 'labOrder', enc, panel: 'cmp', priority: 'R' });
      this.#schedule(when, { kind: 'labOrder', enc, panel: 'cbc', priority: 'R' });
      if (enc.lab.onWarfarin) this.#schedule(when, { kind: 'labOrder', enc, panel: 'inr', priority: 'R' });
    }
    // ADA Standards of Care: an A1C on admission for people with diabetes without one in 3 months.
    if (patient.conditions.has('diabetes') && r.chance(0.7)) this.#schedule(at + r.uniform(30, 180) * MINUTE, { kind: 'labOrder', enc, panel: 'hba1c', priority: 'R' });
    this.#schedule(nextLocalHour(at + 6 * HOUR, 4, this.#o.utcOffsetMinutes), { kind: 'morningLabs', enc });
    for (const cpt of reason.imaging) {
      if (fromEd && ['XR', 'CT'].includes(imagingStudy(cpt).modality)) continue;
      if (r.chance(0.9)) this.#schedule(at + r.uniform(30, 240) * MINUTE, { kind: 'imagingOrder', enc, cpt, priority: 'R', orderType: 'I' });
    }
    this.#orderInpatientMeds(at, enc, reason);
    const end = plannedEnd(enc);
    if (r.chance(0.3) && end - at > 12 * HOUR) this.#schedule(r.uniform(at + 6 * HOUR, end - 4 * HOUR), { kind: 'update', enc });
    for (const cpt of reason.followUpImaging ?? []) {
      if (r.chance(0.7)) this.#schedule(end - r.uniform(1, 3) * HOUR, { kind: 'imagingOrder', enc, cpt, priority: 'R', orderType: 'O' });
    }
    this.#scheduleLegEnd(enc);
    return enc;
  }

  /** Admission orders: the reason's drugs, home medications, prophylaxis and as-needed drugs. */
  #orderInpatientMeds(at: number, enc: Encounter, reason: AdmissionReason | undefined, censusLoad = false): void {
    const r = this.#r;
    const home = enc.patient.homeMeds;
    const order = (med: MedicationKey, fromMin: number, toMin: number, indication?: DiagnosisCode): void =>
      this.#schedule(at + r.uniform(fromMin, toMin) * MINUTE, { kind: 'medOrder', enc, med, indication });
    for (const med of reason?.meds ?? []) if (r.chance(0.8)) order(med, censusLoad ? 1 : 15, censusLoad ? 30 : 90, reason?.dx);
    // Medication reconciliation continues most home medications.
    for (const med of home) if (r.chance(0.85)) order(med, censusLoad ? 1 : 60, censusLoad ? 30 : 240);
    // VTE prophylaxis for medical inpatients not already anticoagulated (ACCP guidance; assumption 80%).
    const anticoagulated = home.includes('warfarin') || home.includes('apixaban');
    if (!anticoagulated && r.chance(0.8)) order(r.chance(0.5) ? 'heparin' : 'enoxaparin', censusLoad ? 1 : 60, censusLoad ? 30 : 180);
    if (!home.includes('omeprazole') && r.chance(0.25)) order('pantoprazole', 60, 240);
    if (r.chance(0.6)) order('acetaminophen', 30, 240);
    if (r.chance(0.3)) order('ondansetron', 30, 240);
    // An NSAID for pain now and then, including for patients on warfarin: exactly the order a
    // drug-interaction check exists to catch (assumption: a third of anticoagulated patients).
    if (r.chance(home.includes('warfarin') ? 0.35 : 0.08)) order(r.chance(0.7) ? 'ibuprofen' : 'naproxen', 240, 2 * 24 * 60);
  }

  #scheduleLegEnd(enc: Encounter): void {
    const leg = enc.legs[enc.legIndex]!;
    let at = enc.legStartedAt + leg.durationMs;
    if (enc.legIndex === enc.legs.length - 1) {
      // Discharges happen in the daytime: a stay planned to end at night ends the next late morning
      // or afternoon instead (assumption; discharges peak around midday).
      const hour = localHour(at, this.#o.utcOffsetMinutes);
      if (hour < 9 || hour >= 19) {
        at = nextLocalHour(at, 10, this.#o.utcOffsetMinutes) + this.#r.uniform(0, 6) * HOUR;
        leg.durationMs = at - enc.legStartedAt;
      }
    }
    this.#schedule(at, { kind: 'legEnd', enc });
  }

  #onLegEnd(at: number, enc: Encounter): void {
    if (enc.closed) return;
    const r = this.#r;
    const next = enc.legs[enc.legIndex + 1];
    if (!next) {
      const everIcu = enc.legs.some((l) => l.unit === 'icu');
      const age = ageAt(enc.patient, at);
      // In-hospital mortality about 2% of stays (HCUP), several times higher after intensive care.
      const disposition = r.weighted([
        ['20', everIcu ? 0.08 : 0.015],
        ['03', age >= 75 ? 0.25 : 0.07],
        ['06', 0.15],
        ['07', 0.01],
        ['01', 0.6],
      ] as const);
      this.#close(at, enc, disposition);
      return;
    }
    const bed = this.census.freeBed(next.unit, at, r);
    if (!bed) {
      // No bed on the receiving unit yet: stay put and try again in an hour.
      enc.legs[enc.legIndex]!.durationMs += HOUR;
      this.#schedule(at + HOUR, { kind: 'legEnd', enc });
      return;
    }
    const from = enc.bed!;
    enc.priorBed = from;
    this.census.release(from, at, r);
    this.census.occupy(bed, enc.visitNumber);
    enc.bed = bed;
    enc.legIndex++;
    enc.legStartedAt = at;
    const toIcu = bed.unit.kind === 'icu';
    enc.vitals.acuity = toIcu ? Math.max(enc.vitals.acuity, r.uniform(0.6, 0.9)) : r.uniform(0.15, 0.4);
    this.#emit(at, enc, this.#writer.adt('A02', enc, at, this.#arrivalSigns(enc)));
    if (toIcu) {
      // A deteriorating patient gets STAT labs and a portable chest film on arrival in the ICU.
      this.#schedule(at + r.uniform(5, 20) * MINUTE, { kind: 'labOrder', enc, panel: 'bmp', priority: 'S' });
      this.#schedule(at + r.uniform(5, 20) * MINUTE, { kind: 'labOrder', enc, panel: 'cbc', priority: 'S' });
      this.#schedule(at + r.uniform(10, 30) * MINUTE, { kind: 'imagingOrder', enc, cpt: '71045', priority: 'S', orderType: 'I' });
    }
    this.#scheduleLegEnd(enc);
  }

  #close(at: number, enc: Encounter, disposition: string): void {
    enc.disposition = disposition;
    enc.dischargeAt = at;
    enc.closed = true;
    if (disposition === '20') enc.patient.deceased = true;
    if (enc.kind === 'inpatient') for (const d of enc.diagnoses) d.type = 'F';
    this.#emit(at, enc, this.#writer.adt('A03', enc, at));
    if (enc.bed) this.census.release(enc.bed, at, this.#r);
    // An ED visit that ends in admission hands the patient straight to the inpatient encounter.
    if (disposition !== '09') this.#discharged(enc.patient);
  }

  #discharged(patient: Patient): void {
    patient.inHouse = false;
    if (patient.deceased) return;
    this.#returning.push(patient);
    if (this.#returning.length > RETURNING_POOL_LIMIT) this.#returning.shift();
  }

  // ---- clinical work -------------------------------------------------------------------------

  #placeOrder(at: number, enc: Encounter, priority: 'S' | 'R', reason: DiagnosisCode | undefined, orderType: 'I' | 'O', filler: string): PlacedOrder {
    const n = String(this.#orders++).padStart(8, '0');
    return { placer: `${this.#tag}${n}`, filler: `${this.#tag}${filler}${n}`, orderedAt: at, priority, provider: enc.attending, reason, orderType };
  }

  /** The set charted when a patient arrives on a unit; the patient's acuity is left to drift as before. */
  #arrivalSigns(enc: Encounter): VitalSign[] {
    return drawVitals(this.#arrivalVitals, { ...enc.vitals });
  }

  #onVitals(at: number, enc: Encounter): void {
    if (enc.closed || !enc.bed) return;
    const signs = drawVitals(this.#r, enc.vitals);
    this.#emit(at, enc, this.#writer.vitals(enc, signs, at, `${this.#tag}F${String(this.#orders++).padStart(8, '0')}`));
    const every = enc.bed.unit.vitalsEveryHours * HOUR;
    this.#schedule(at + every + this.#r.uniform(-10, 10) * MINUTE, { kind: 'vitals', enc });
  }

  #onMorningLabs(at: number, enc: Encounter): void {
    if (enc.closed) return;
    const r = this.#r;
    const when = at + r.uniform(0, 40) * MINUTE;
    // Routine morning draws (assumption: most inpatients get a BMP, many a CBC).
    if (r.chance(0.85)) this.#schedule(when, { kind: 'labOrder', enc, panel: 'bmp', priority: 'R' });
    if (r.chance(0.65)) this.#schedule(when, { kind: 'labOrder', enc, panel: 'cbc', priority: 'R' });
    if (enc.lab.onWarfarin || enc.meds.has('warfarin')) this.#schedule(when, { kind: 'labOrder', enc, panel: 'inr', priority: 'R' });
    this.#schedule(at + DAY, { kind: 'morningLabs', enc });
  }

  #onLabOrder(at: number, enc: Encounter, key: PanelKey, priority: 'S' | 'R'): void {
    if (enc.closed) return;
    const r = this.#r;
    const panel = PANELS[key];
    const collectedAt = at + r.uniform(5, priority === 'S' ? 20 : 45) * MINUTE;
    const resultAt = collectedAt + r.lognormal(panel.turnaroundMinutes * (priority === 'S' ? 0.7 : 1), 0.35) * MINUTE;
    // An order whose result could not come back before the patient leaves is not placed.
    if (resultAt >= plannedEnd(enc) - MINUTE) return;
    const order = this.#placeOrder(at, enc, priority, enc.principal, 'I', 'L');
    this.#emit(at, enc, this.#writer.labOrder(enc, order, panel, at));
    this.#schedule(resultAt, { kind: 'labResult', enc, order, panel: key, collectedAt });
  }

  #onLabResult(at: number, enc: Encounter, order: PlacedOrder, key: PanelKey, collectedAt: number): void {
    if (enc.closed) return;
    const panel = PANELS[key];
    const values = panel.analytes.map((a) => drawValue(this.#r, a, enc.lab));
    this.#emit(at, enc, this.#writer.labResult(enc, order, panel, values, collectedAt, at));
    // A critical value is called to the team, who repeat the test (and treat) within a couple of hours.
    if (values.some((v) => v.flag === 'HH' || v.flag === 'LL') && key !== 'hba1c') {
      this.#schedule(at + this.#r.uniform(30, 120) * MINUTE, { kind: 'labOrder', enc, panel: key, priority: 'S' });
    }
  }

  #onImagingOrder(at: number, enc: Encounter, cpt: string, priority: 'S' | 'R', orderType: 'I' | 'O'): void {
    if (enc.closed || at >= plannedEnd(enc)) return;
    const study = imagingStudy(cpt);
    const resultAt = at + this.#r.lognormal(study.turnaroundMinutes * (priority === 'S' ? 0.6 : 1), 0.4) * MINUTE;
    if (orderType === 'I' && resultAt >= plannedEnd(enc) - MINUTE) return;
    const order = this.#placeOrder(at, enc, priority, enc.principal, orderType, 'R');
    this.#emit(at, enc, this.#writer.imagingOrder(enc, order, study, at));
    // Outpatient orders are performed after discharge: no report within this stay.
    if (orderType === 'I') this.#schedule(resultAt, { kind: 'imagingResult', enc, order, cpt });
  }

  #onImagingResult(at: number, enc: Encounter, order: PlacedOrder, cpt: string): void {
    if (enc.closed) return;
    const study = imagingStudy(cpt);
    const impression = this.#r.chance(0.45) ? this.#r.pick(study.abnormal) : study.normal;
    this.#emit(at, enc, this.#writer.imagingResult(enc, order, study, impression, at));
  }

  #onMedOrder(at: number, enc: Encounter, key: MedicationKey, indication: DiagnosisCode | undefined): void {
    if (enc.closed || enc.meds.has(key) || at >= plannedEnd(enc)) return;
    enc.meds.add(key);
    if (key === 'warfarin') enc.lab.onWarfarin = true;
    const med = MEDICATIONS[key];
    const order = this.#placeOrder(at, enc, 'R', indication, 'I', 'X');
    this.#emit(at, enc, this.#writer.medicationOrder(enc, order, med, at));
  }

  /** A mid-stay update (A08): a problem found on the way is added to the working diagnoses. */
  #onUpdate(at: number, enc: Encounter): void {
    if (enc.closed) return;
    const t = enc.lab.tendencies;
    const candidates: DiagnosisCode[] = [];
    if (t.get('potassium') === 'high') candidates.push(HOSPITAL_COURSE.hyperkalemia);
    if (t.get('potassium') === 'low') candidates.push(HOSPITAL_COURSE.hypokalemia);
    if (t.get('sodium') === 'low') candidates.push(HOSPITAL_COURSE.hyponatremia);
    if (t.get('creatinine') === 'high' && !enc.patient.conditions.has('ckd')) candidates.push(HOSPITAL_COURSE.aki);
    if (t.get('hemoglobin') === 'low') candidates.push(HOSPITAL_COURSE.anemia);
    if (t.get('glucose') === 'high' && !enc.patient.conditions.has('diabetes')) candidates.push(HOSPITAL_COURSE.hyperglycemia);
    if (enc.vitals.acuity > 0.5 && ageAt(enc.patient, at) >= 75) candidates.push(HOSPITAL_COURSE.delirium);
    const fresh = candidates.filter((c) => !enc.diagnoses.some((d) => d.dx.code === c.code));
    if (fresh.length > 0) enc.diagnoses.push({ dx: this.#r.pick(fresh), type: 'W', at });
    this.#emit(at, enc, this.#writer.adt('A08', enc, at));
  }

  // ---- warm start ----------------------------------------------------------------------------

  /**
   * Fills the inpatient units as if the hospital had been running: each patient is part-way through
   * a stay. Their A01s go out at the start time (with PV1-44 in the past), as an interface sends a
   * census load on go-live, followed by their active medication orders.
   */
  #warmStart(start: number): void {
    const r = this.#r;
    for (const unit of this.census.units) {
      if (unit.kind === 'emergency') continue;
      const count = Math.min(unit.beds, Math.round(unit.beds * this.#o.initialOccupancy * r.uniform(0.9, 1.08)));
      for (let i = 0; i < count; i++) {
        const reason =
          unit.kind === 'icu'
            ? this.#pickReason(undefined, (x) => x.icu > 0)
            : this.#pickReason(undefined, (x) => this.#unitKind(x.unit) === unit.kind);
        const patient = this.#newPatient(start, 'inpatient', reason);
        const legs = this.#legs(reason, unit.kind === 'icu').slice(0, unit.kind === 'icu' ? 2 : 1);
        const current = legs[0]!;
        const elapsed = r.uniform(0, current.durationMs - HOUR);
        const admitAt = Math.round(start - elapsed);
        const bed = this.census.freeBed(unit.kind, start, r);
        if (!bed) break;
        const enc = this.#newEncounter(admitAt, patient, 'inpatient', reason.dx, bed);
        enc.reason = reason;
        enc.legs = legs;
        enc.legStartedAt = admitAt;
        enc.admissionType = 'E';
        enc.admitSource = '7';
        enc.service = reason.service;
        enc.diagnoses = admissionDiagnoses(admitAt, patient, reason.dx, 'A');
        enc.lab.infection = reason.infection ?? false;
        enc.vitals.infection = reason.infection ?? false;
        enc.vitals.acuity = unit.kind === 'icu' ? r.uniform(0.5, 0.85) : r.uniform(0.1, 0.4);
        this.#emit(start, enc, this.#writer.adt('A01', enc, start));
        this.#schedule(start + r.uniform(1, unit.vitalsEveryHours * 60) * MINUTE, { kind: 'vitals', enc });
        this.#schedule(nextLocalHour(start, 4, this.#o.utcOffsetMinutes), { kind: 'morningLabs', enc });
        this.#orderInpatientMeds(start, enc, reason, true);
        this.#scheduleLegEnd(enc);
      }
    }
  }

  // ---- plumbing ------------------------------------------------------------------------------

  #schedule(at: number, event: Event): void {
    this.#queue.push(Math.round(at), event);
  }

  #emit(at: number, enc: Encounter, message: BuiltMessage): void {
    this.#out.push({ at, message, patientRef: enc.patient.ref });
  }

  #handle(at: number, e: Event): void {
    switch (e.kind) {
      case 'edArrival':
        return this.#onEdArrival(at);
      case 'edWaiting':
        return this.#tryEd(at, e.patient, e.admitFor, e.since);
      case 'directAdmission':
        return this.#onDirectAdmission(at);
      case 'directWaiting':
        return this.#tryDirect(at, e.patient, e.reason, e.since);
      case 'edDeparture':
        return this.#onEdDeparture(at, e.enc);
      case 'legEnd':
        return this.#onLegEnd(at, e.enc);
      case 'vitals':
        return this.#onVitals(at, e.enc);
      case 'morningLabs':
        return this.#onMorningLabs(at, e.enc);
      case 'labOrder':
        return this.#onLabOrder(at, e.enc, e.panel, e.priority);
      case 'labResult':
        return this.#onLabResult(at, e.enc, e.order, e.panel, e.collectedAt);
      case 'imagingOrder':
        return this.#onImagingOrder(at, e.enc, e.cpt, e.priority, e.orderType);
      case 'imagingResult':
        return this.#onImagingResult(at, e.enc, e.order, e.cpt);
      case 'medOrder':
        return this.#onMedOrder(at, e.enc, e.med, e.indication);
      case 'update':
        return this.#onUpdate(at, e.enc);
    }
  }
}
