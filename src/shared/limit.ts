/** A numeric setting's range and whether it must be whole (the controls, the schema and the CLI share it). */
export interface Limit {
  min: number;
  max: number;
  int: boolean;
}
export const whole = (min: number, max: number): Limit => ({ min, max, int: true });
export const real = (min: number, max: number): Limit => ({ min, max, int: false });
