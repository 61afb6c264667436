// Imaging studies the simulated radiology department performs, by CPT code, with whether payers
// commonly require prior authorization. Commercial and Medicare Advantage plans route advanced
// outpatient imaging (CT, MRI, PET, nuclear cardiology) through prior authorization programs
// (radiology benefit managers); plain films and ultrasound are not on those lists.

export type Modality = 'XR' | 'CT' | 'MR' | 'PET' | 'US' | 'ECHO';

export interface ImagingStudy {
  cpt: string;
  display: string;
  modality: Modality;
  /** HL7 table 0074 diagnostic service section (OBR-24). */
  section: string;
  priorAuthorization: boolean;
  /** Median minutes from order to final report (assumption, per modality). */
  turnaroundMinutes: number;
  normal: string;
  abnormal: readonly string[];
}

const study = (s: ImagingStudy): ImagingStudy => s;

export const IMAGING: Readonly<Record<string, ImagingStudy>> = {
  '71045': study({ cpt: '71045', display: 'XR chest 1 view', modality: 'XR', section: 'RAD', priorAuthorization: false, turnaroundMinutes: 60, normal: 'No acute cardiopulmonary process.', abnormal: ['Right lower lobe opacity, compatible with pneumonia.', 'Small bilateral pleural effusions.'] }),
  '71046': study({ cpt: '71046', display: 'XR chest 2 views', modality: 'XR', section: 'RAD', priorAuthorization: false, turnaroundMinutes: 60, normal: 'No acute cardiopulmonary process.', abnormal: ['Cardiomegaly with mild pulmonary vascular congestion.', 'Left lower lobe consolidation.', 'Hyperinflated lungs without focal consolidation.'] }),
  '73610': study({ cpt: '73610', display: 'XR ankle complete 3+ views', modality: 'XR', section: 'RAD', priorAuthorization: false, turnaroundMinutes: 50, normal: 'No acute fracture or dislocation.', abnormal: ['Nondisplaced fracture of the lateral malleolus.'] }),
  '70450': study({ cpt: '70450', display: 'CT head without contrast', modality: 'CT', section: 'CT', priorAuthorization: true, turnaroundMinutes: 45, normal: 'No acute intracranial abnormality.', abnormal: ['Chronic small vessel ischemic changes; no acute hemorrhage.', 'Hypodensity in the left MCA territory, concerning for acute infarct.'] }),
  '71260': study({ cpt: '71260', display: 'CT chest with contrast', modality: 'CT', section: 'CT', priorAuthorization: true, turnaroundMinutes: 120, normal: 'No acute abnormality.', abnormal: ['3.2 cm spiculated right upper lobe mass with mediastinal adenopathy.'] }),
  '74177': study({ cpt: '74177', display: 'CT abdomen and pelvis with contrast', modality: 'CT', section: 'CT', priorAuthorization: true, turnaroundMinutes: 90, normal: 'No acute abdominopelvic process.', abnormal: ['Dilated appendix with periappendiceal fat stranding, consistent with acute appendicitis.', 'Sigmoid diverticulitis without abscess.'] }),
  '70553': study({ cpt: '70553', display: 'MRI brain without and with contrast', modality: 'MR', section: 'NMR', priorAuthorization: true, turnaroundMinutes: 360, normal: 'No acute intracranial abnormality.', abnormal: ['Restricted diffusion in the left frontal lobe, consistent with acute infarct.'] }),
  '72148': study({ cpt: '72148', display: 'MRI lumbar spine without contrast', modality: 'MR', section: 'NMR', priorAuthorization: true, turnaroundMinutes: 480, normal: 'No significant spinal canal or foraminal stenosis.', abnormal: ['L4-L5 disc extrusion with moderate left foraminal stenosis.'] }),
  '78815': study({ cpt: '78815', display: 'PET/CT skull base to mid-thigh', modality: 'PET', section: 'NMS', priorAuthorization: true, turnaroundMinutes: 1440, normal: 'No hypermetabolic disease.', abnormal: ['Hypermetabolic right upper lobe mass and mediastinal nodes.'] }),
  '76705': study({ cpt: '76705', display: 'US abdomen limited', modality: 'US', section: 'RUS', priorAuthorization: false, turnaroundMinutes: 120, normal: 'No hydronephrosis.', abnormal: ['Echogenic kidneys, compatible with medical renal disease.'] }),
  '93306': study({ cpt: '93306', display: 'Echocardiogram transthoracic complete with Doppler', modality: 'ECHO', section: 'CUS', priorAuthorization: false, turnaroundMinutes: 600, normal: 'Normal left ventricular size and function; ejection fraction 60%.', abnormal: ['Left ventricular ejection fraction 30%; moderate mitral regurgitation.', 'Normal ejection fraction with grade II diastolic dysfunction.'] }),
};

/** CPT codes of the catalog that payers commonly send through prior authorization. */
export const PRIOR_AUTH_CPT: readonly string[] = Object.values(IMAGING)
  .filter((s) => s.priorAuthorization)
  .map((s) => s.cpt);

export function imagingStudy(cpt: string): ImagingStudy {
  const found = IMAGING[cpt];
  if (!found) throw new RangeError(`unknown imaging CPT code ${cpt}`);
  return found;
}
