// What the caller decides for the mapper: how identifiers become envelope keys, and the site's zone.

export interface Hl7MapperOptions {
  /**
   * Turns the patient's key identifier (first PID-3 of type MR, else the first) into patient_id.
   * The gateway passes a keyed hash so that the MRN itself never becomes a record key.
   */
  patientKey(id: { value: string; authority?: string }): string;
  /** Turns the visit number (PV1-19) and its assigning authority into encounter_id. */
  encounterKey(visitNumber: string, authority?: string): string;
  /**
   * Time zone of timestamps sent without an offset: 'UTC' (the default), a fixed offset such as
   * '-05:00', or an IANA name such as 'America/Chicago' (daylight saving applied).
   */
  timeZone?: string;
}
