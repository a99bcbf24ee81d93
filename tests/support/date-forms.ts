import fc from "fast-check";

/**
 * Date-time texts in the forms stored records hold: ISO with milliseconds, without a zone, with Z,
 * with a space for the T, with +00:00, plus the `extra` forms a test also wants (of the same ISO text).
 */
export const dateTimeForms = (earliest: string, extra: (iso: string) => string[] = () => []) =>
  fc.date({ min: new Date(earliest), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true }).chain((d) => {
    const iso = d.toISOString();
    return fc.constantFrom(iso, iso.slice(0, 19), `${iso.slice(0, 19)}Z`, iso.slice(0, 19).replace("T", " "), `${iso.slice(0, 19)}+00:00`, ...extra(iso));
  });
