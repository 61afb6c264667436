// What the caller decides for the FHIR mapper: how identifiers become envelope keys. The same two
// functions as the HL7 v2 mapper's, so that one options object serves both and a patient sent over
// either path gets the same patient_id when the identifiers agree.
import type { Hl7MapperOptions } from '../hl7/options.ts';

export type FhirMapOptions = Pick<Hl7MapperOptions, 'patientKey' | 'encounterKey'>;
