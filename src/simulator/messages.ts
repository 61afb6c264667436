// HL7 v2.5.1 messages of the simulated hospital, one builder per message kind. ADT and orders come
// from the EHR ('EPIC'), lab results from the lab system ('LAB'), imaging reports from radiology
// ('RAD'), verified medication orders from the pharmacy ('RX'). Segment order follows the v2.5.1
// message structures (ADT_A01, ADT_A02, ADT_A03, OML_O21, ORM_O01, ORU_R01, RDE_O11).

import type { DiagnosisCode } from './diagnoses.ts';
import type { Encounter } from './encounter.ts';
import { components, escapeHl7, hl7Timestamp, segment, SEGMENT_SEPARATOR } from './hl7-text.ts';
import type { ImagingStudy } from './imaging.ts';
import { rangeText, type LabValue, type Panel } from './labs.ts';
import type { MedicationDef } from './medications.ts';
import { birthDate, type Patient } from './people.ts';
import type { Provider } from './providers.ts';
import type { Bed } from './units.ts';
import { VITAL_SIGNS_PANEL, type VitalSign } from './vitals.ts';

export type SendingApplication = 'EPIC' | 'LAB' | 'RAD' | 'RX';

export type AdtTrigger = 'A01' | 'A02' | 'A03' | 'A04' | 'A08';

/** The message types the simulator produces (MSH-9.1^MSH-9.2). */
export const MESSAGE_TYPES = ['ADT^A01', 'ADT^A02', 'ADT^A03', 'ADT^A04', 'ADT^A08', 'OML^O21', 'ORM^O01', 'ORU^R01', 'RDE^O11'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

const STRUCTURE: Record<MessageType, string> = {
  'ADT^A01': 'ADT_A01',
  'ADT^A02': 'ADT_A02',
  'ADT^A03': 'ADT_A03',
  // A04 and A08 share the A01 structure (HL7 v2.5.1 chapter 3).
  'ADT^A04': 'ADT_A01',
  'ADT^A08': 'ADT_A01',
  'OML^O21': 'OML_O21',
  'ORM^O01': 'ORM_O01',
  'ORU^R01': 'ORU_R01',
  'RDE^O11': 'RDE_O11',
};

/** An order as the placer (the EHR) and the filler (lab, radiology, pharmacy) number it. */
export interface PlacedOrder {
  /** ORC-2 / OBR-2 entity id, unique in the run. */
  placer: string;
  filler: string;
  orderedAt: number;
  priority: 'S' | 'R';
  provider: Provider;
  /** Why it was ordered (OBR-31, RXE-27), when the order says. */
  reason: DiagnosisCode | undefined;
  /** ORC-29 order type: I inpatient, O outpatient (e.g. imaging ordered for after discharge). */
  orderType: 'I' | 'O';
}

export interface BuiltMessage {
  type: MessageType;
  controlId: string;
  text: string;
}

export interface MessageWriterOptions {
  /** Sending facility (MSH-4) and assigning authority of MRNs and visit numbers. */
  facility: string;
  utcOffsetMinutes: number;
  /** Prefix of control ids, so that runs with different seeds never share one. */
  controlPrefix: string;
}

const RECEIVER = 'VIGIL';

export class MessageWriter {
  readonly #facility: string;
  readonly #offset: number;
  readonly #prefix: string;
  #nextControl = 1;

  constructor(options: MessageWriterOptions) {
    this.#facility = options.facility;
    this.#offset = options.utcOffsetMinutes;
    this.#prefix = options.controlPrefix;
  }

  #ts(ms: number | undefined): string {
    return ms === undefined ? '' : hl7Timestamp(ms, this.#offset);
  }

  #build(type: MessageType, app: SendingApplication, at: number, body: string[]): BuiltMessage {
    // MSH-10 is at most 20 characters in v2.5.1: a 5-character prefix and a 9-digit counter fit.
    const controlId = `${this.#prefix}${String(this.#nextControl++).padStart(9, '0')}`;
    const [code, trigger] = type.split('^') as [string, string];
    // MSH-1 is the field separator itself, so here position n holds field MSH-(n+1).
    const msh = segment('MSH', {
      1: '^~\\&',
      2: escapeHl7(app),
      3: escapeHl7(this.#facility),
      4: RECEIVER,
      5: RECEIVER,
      6: this.#ts(at),
      8: components(code, trigger, STRUCTURE[type]),
      9: controlId,
      // T (training): synthetic traffic is never production data.
      10: 'T',
      11: '2.5.1',
    });
    const text = [msh, ...body].join(SEGMENT_SEPARATOR);
    return { type, controlId, text };
  }

  #pid(p: Patient, encounter?: Encounter): string {
    const died = p.deceased && encounter?.dischargeAt !== undefined;
    return segment('PID', {
      1: '1',
      3: components(p.mrn, '', '', this.#facility, 'MR'),
      5: components(p.family, p.given, p.middle),
      7: birthDate(p),
      8: p.sex,
      11: components(p.address.street, '', p.address.city, p.address.state, p.address.zip, 'USA'),
      13: components('', 'PRN', 'PH', '', '1', p.phone[0], p.phone[1]),
      29: died ? this.#ts(encounter.dischargeAt) : '',
      30: died ? 'Y' : '',
    });
  }

  #location(bed: Bed | undefined): string {
    return bed ? components(bed.unit.code, bed.room, bed.bed, this.#facility) : '';
  }

  #provider(p: Provider): string {
    return components(p.npi, p.family, p.given, '', '', 'Dr', '', '', 'NPI');
  }

  #pv1(e: Encounter): string {
    return segment('PV1', {
      1: '1',
      2: e.patientClass,
      3: this.#location(e.bed),
      4: e.admissionType,
      6: this.#location(e.priorBed),
      7: this.#provider(e.attending),
      10: e.service,
      14: e.admitSource,
      19: components(e.visitNumber, '', '', this.#facility, 'VN'),
      36: e.disposition ?? '',
      44: this.#ts(e.admitAt),
      45: this.#ts(e.dischargeAt),
    });
  }

  #dg1s(e: Encounter): string[] {
    return e.diagnoses.map((d, i) =>
      segment('DG1', {
        1: String(i + 1),
        3: components(d.dx.code, d.dx.display, 'I10C'),
        5: this.#ts(d.at),
        6: d.type,
        15: i === 0 ? '1' : '',
      }),
    );
  }

  #in1(p: Patient): string[] {
    const c = p.coverage;
    if (!c) return [];
    return [
      segment('IN1', {
        1: '1',
        2: components(c.plan.planId, c.plan.planName),
        3: components(c.plan.payerId),
        4: escapeHl7(c.plan.payerName),
        8: escapeHl7(c.groupNumber),
        15: escapeHl7(c.plan.planType),
        16: components(p.family, p.given, p.middle),
        17: 'SEL',
        36: escapeHl7(c.memberId),
      }),
    ];
  }

  #al1s(p: Patient): string[] {
    return p.allergies.map((a, i) =>
      segment('AL1', { 1: String(i + 1), 2: 'DA', 3: components(a.rxnorm, a.name, 'RXNORM'), 4: 'MO', 5: escapeHl7(a.reaction) }),
    );
  }

  #reason(order: PlacedOrder): string {
    return order.reason ? components(order.reason.code, order.reason.display, 'I10C') : '';
  }

  #reasonDg1(order: PlacedOrder): string[] {
    return order.reason ? [segment('DG1', { 1: '1', 3: this.#reason(order), 6: 'W' })] : [];
  }

  #orc(control: 'NW' | 'RE', order: PlacedOrder, placerApp: string, fillerApp: string, at: number, withFiller: boolean): string {
    return segment('ORC', {
      1: control,
      2: components(order.placer, placerApp),
      3: withFiller ? components(order.filler, fillerApp) : '',
      5: control === 'RE' ? 'CM' : '',
      9: this.#ts(at),
      12: this.#provider(order.provider),
      29: order.orderType,
    });
  }

  /** `vitals`: signs charted on arrival, sent as OBX segments (after PV1 in the ADT_A01 and ADT_A02 structures). */
  adt(trigger: AdtTrigger, e: Encounter, at: number, vitals: readonly VitalSign[] = []): BuiltMessage {
    const body = [segment('EVN', { 1: trigger, 2: this.#ts(at), 6: this.#ts(at) }), this.#pid(e.patient, e), this.#pv1(e), ...this.#vitalObxs(vitals, at)];
    // A02 carries no diagnoses or insurance in its v2.5.1 structure; the others do.
    if (trigger !== 'A02') body.push(...this.#al1s(e.patient), ...this.#dg1s(e), ...this.#in1(e.patient));
    return this.#build(`ADT^${trigger}`, 'EPIC', at, body);
  }

  labOrder(e: Encounter, order: PlacedOrder, panel: Panel, at: number): BuiltMessage {
    return this.#build('OML^O21', 'EPIC', at, [
      this.#pid(e.patient),
      this.#pv1(e),
      ...this.#in1(e.patient),
      this.#orc('NW', order, 'EPIC', 'LAB', at, false),
      segment('TQ1', { 1: '1', 7: this.#ts(order.orderedAt), 9: order.priority }),
      segment('OBR', {
        1: '1',
        2: components(order.placer, 'EPIC'),
        4: components(panel.loinc, panel.display, 'LN'),
        16: this.#provider(order.provider),
        31: this.#reason(order),
      }),
      ...this.#reasonDg1(order),
    ]);
  }

  imagingOrder(e: Encounter, order: PlacedOrder, study: ImagingStudy, at: number): BuiltMessage {
    return this.#build('ORM^O01', 'EPIC', at, [
      this.#pid(e.patient),
      this.#pv1(e),
      ...this.#in1(e.patient),
      this.#orc('NW', order, 'EPIC', 'RAD', at, false),
      segment('OBR', {
        1: '1',
        2: components(order.placer, 'EPIC'),
        4: components(study.cpt, study.display, 'C4'),
        16: this.#provider(order.provider),
        24: study.section,
        27: components('', '', '', this.#ts(order.orderedAt), '', order.priority),
        31: this.#reason(order),
      }),
      ...this.#reasonDg1(order),
    ]);
  }

  labResult(e: Encounter, order: PlacedOrder, panel: Panel, values: readonly LabValue[], collectedAt: number, at: number): BuiltMessage {
    return this.#build('ORU^R01', 'LAB', at, [
      this.#pid(e.patient),
      this.#pv1(e),
      this.#orc('RE', order, 'EPIC', 'LAB', at, true),
      segment('OBR', {
        1: '1',
        2: components(order.placer, 'EPIC'),
        3: components(order.filler, 'LAB'),
        4: components(panel.loinc, panel.display, 'LN'),
        7: this.#ts(collectedAt),
        16: this.#provider(order.provider),
        22: this.#ts(at),
        24: panel.section,
        25: 'F',
      }),
      ...values.map((v, i) =>
        segment('OBX', {
          1: String(i + 1),
          2: 'NM',
          3: components(v.analyte.loinc, v.analyte.display, 'LN'),
          5: v.text,
          6: components(v.analyte.units, v.analyte.units, 'UCUM'),
          7: escapeHl7(rangeText(v)),
          8: v.flag,
          11: 'F',
          14: this.#ts(collectedAt),
        }),
      ),
    ]);
  }

  imagingResult(e: Encounter, order: PlacedOrder, study: ImagingStudy, impression: string, at: number): BuiltMessage {
    return this.#build('ORU^R01', 'RAD', at, [
      this.#pid(e.patient),
      this.#pv1(e),
      this.#orc('RE', order, 'EPIC', 'RAD', at, true),
      segment('OBR', {
        1: '1',
        2: components(order.placer, 'EPIC'),
        3: components(order.filler, 'RAD'),
        4: components(study.cpt, study.display, 'C4'),
        7: this.#ts(order.orderedAt),
        16: this.#provider(order.provider),
        22: this.#ts(at),
        24: study.section,
        25: 'F',
      }),
      segment('OBX', {
        1: '1',
        2: 'TX',
        3: components('19005-8', 'Radiology Imaging study [Impression] (narrative)', 'LN'),
        5: escapeHl7(impression),
        11: 'F',
        14: this.#ts(at),
      }),
    ]);
  }

  /** Charted vital signs: an unsolicited result (no order number), as EHR flowsheets send them. */
  vitals(e: Encounter, signs: readonly VitalSign[], at: number, flowsheetId: string): BuiltMessage {
    return this.#build('ORU^R01', 'EPIC', at, [
      this.#pid(e.patient),
      this.#pv1(e),
      segment('OBR', {
        1: '1',
        3: components(flowsheetId, 'EPIC'),
        4: components(VITAL_SIGNS_PANEL.loinc, VITAL_SIGNS_PANEL.display, 'LN'),
        7: this.#ts(at),
        22: this.#ts(at),
        25: 'F',
      }),
      ...this.#vitalObxs(signs, at),
    ]);
  }

  #vitalObxs(signs: readonly VitalSign[], at: number): string[] {
    return signs.map((s, i) =>
      segment('OBX', {
        1: String(i + 1),
        2: s.type,
        3: components(s.loinc, s.display, 'LN'),
        // Coded values arrive already encoded as code^text^system.
        5: s.type === 'CWE' ? s.value : escapeHl7(s.value),
        6: s.units ? components(s.units, s.units, 'UCUM') : '',
        11: 'F',
        14: this.#ts(at),
      }),
    );
  }

  medicationOrder(e: Encounter, order: PlacedOrder, med: MedicationDef, at: number): BuiltMessage {
    const start = this.#ts(order.orderedAt);
    return this.#build('RDE^O11', 'RX', at, [
      this.#pid(e.patient),
      this.#pv1(e),
      ...this.#in1(e.patient),
      ...this.#al1s(e.patient),
      this.#orc('NW', order, 'EPIC', 'RX', at, true),
      segment('RXE', {
        // RXE-1 (quantity/timing) is kept for receivers older than v2.5; TQ1 is authoritative.
        1: components('1', med.frequency, '', start),
        2: components(med.rxnorm, med.name, 'RXNORM'),
        3: String(med.dose),
        5: components(med.units, med.units, 'UCUM'),
        27: this.#reason(order),
      }),
      // The encoded order's timing follows RXE (the TIMING_ENCODED group of RDE_O11).
      segment('TQ1', {
        1: '1',
        3: escapeHl7(med.frequency),
        7: start,
        9: order.priority,
        10: med.asNeeded ? escapeHl7(`as needed for ${med.asNeeded}`) : '',
      }),
      segment('RXR', { 1: components(med.route.code, med.route.display, 'HL70162') }),
    ]);
  }
}
