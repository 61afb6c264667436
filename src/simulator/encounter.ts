// A hospital stay or emergency visit as the simulator tracks it: who, where, why, and the
// clinical state the lab, the monitors and the pharmacy draw from.

import { CHRONIC, type AdmissionReason, type DiagnosisCode, type EdReason, type Service } from './diagnoses.ts';
import type { LabSubject } from './labs.ts';
import type { MedicationKey } from './medications.ts';
import type { Patient } from './people.ts';
import type { Provider } from './providers.ts';
import type { Bed, UnitKind } from './units.ts';
import type { VitalsSubject } from './vitals.ts';

/** A part of a stay spent in one kind of unit. */
export interface Leg {
  unit: Exclude<UnitKind, 'emergency'>;
  durationMs: number;
}

export interface DiagnosisEntry {
  dx: DiagnosisCode;
  /** DG1-6: A admitting, W working, F final. */
  type: 'A' | 'W' | 'F';
  at: number;
}

export interface Encounter {
  visitNumber: string;
  patient: Patient;
  kind: 'inpatient' | 'emergency';
  /** PV1-2: I inpatient, E emergency. */
  patientClass: 'I' | 'E';
  /** PV1-4 (HL7 table 0007): E emergency, U urgent, C elective. */
  admissionType: 'E' | 'U' | 'C';
  /** PV1-14 admit source (UB-04 point of origin): 1 non-healthcare point of origin, 4 transfer from a hospital, 7 emergency room. */
  admitSource: '1' | '4' | '7';
  service: Service;
  attending: Provider;
  principal: DiagnosisCode;
  diagnoses: DiagnosisEntry[];
  admitAt: number;
  dischargeAt?: number;
  /** PV1-36 (UB-04 patient status): 01 home, 03 SNF, 06 home health, 07 against advice, 09 admitted, 20 expired. */
  disposition?: string;
  bed: Bed | undefined;
  priorBed: Bed | undefined;
  closed: boolean;
  lab: LabSubject;
  vitals: VitalsSubject;
  /** Active medication orders. */
  meds: Set<MedicationKey>;
  /** Inpatients: the planned legs of the stay, the current one, and when it started. */
  legs: Leg[];
  legIndex: number;
  legStartedAt: number;
  /** Emergency visits: when the patient is planned to leave the department. */
  departAt: number;
  /** Emergency visits: the visit's reason and, when it ends in admission, the reason for that. */
  edReason?: EdReason;
  admitFor?: AdmissionReason;
  reason?: AdmissionReason;
}

/** Earliest time the encounter can end, as planned now (boarding only ever makes it later). */
export function plannedEnd(e: Encounter): number {
  if (e.kind === 'emergency') return e.departAt;
  let end = e.legStartedAt;
  for (let i = e.legIndex; i < e.legs.length; i++) end += e.legs[i]!.durationMs;
  return end;
}

/** An encounter's diagnoses: the admitting (or working) one first, then the chronic conditions. */
export function admissionDiagnoses(at: number, patient: Patient, principal: DiagnosisCode, principalType: 'A' | 'W'): DiagnosisEntry[] {
  const c = patient.conditions;
  const codes: DiagnosisCode[] = [];
  if (c.has('diabetes')) codes.push(c.has('ckd') ? CHRONIC.diabetesCkd : CHRONIC.diabetes);
  if (c.has('hypertension')) {
    const hf = c.has('heartFailure');
    const ckd = c.has('ckd');
    codes.push(hf && ckd ? CHRONIC.hypertensiveHeartKidney : hf ? CHRONIC.hypertensiveHeart : ckd ? CHRONIC.hypertensiveKidney : CHRONIC.hypertension);
  }
  if (patient.heartFailure) codes.push(patient.heartFailure === 'systolic' ? CHRONIC.systolicHf : CHRONIC.diastolicHf);
  if (c.has('copd')) codes.push(CHRONIC.copd);
  if (patient.ckdStage) codes.push(patient.ckdStage === '3a' ? CHRONIC.ckd3a : patient.ckdStage === '3b' ? CHRONIC.ckd3b : CHRONIC.ckd4);
  if (c.has('afib')) codes.push(CHRONIC.afib);
  if (c.has('cad')) codes.push(CHRONIC.cad);
  if (c.has('kidneyTransplant')) codes.push(CHRONIC.kidneyTransplant);
  if (patient.homeMeds.includes('warfarin') || patient.homeMeds.includes('apixaban')) codes.push(CHRONIC.anticoagulant);
  if (patient.homeMeds.includes('insulinGlargine')) codes.push(CHRONIC.insulin);
  if (patient.homeMeds.includes('metformin')) codes.push(CHRONIC.oralHypoglycemic);
  const entries: DiagnosisEntry[] = [{ dx: principal, type: principalType, at }];
  for (const dx of codes) if (dx.code !== principal.code) entries.push({ dx, type: 'W', at });
  return entries;
}
