import type { Department } from '../../shared';
import { useFormat } from '../i18n';

/** The <option>s of a department select, each named in the agent's language. */
export function DepartmentOptions({ departments }: { departments: readonly Department[] }) {
  const fmt = useFormat();
  return (
    <>
      {departments.map((d) => (
        <option key={d.id} value={d.id}>
          {fmt.department(d)}
        </option>
      ))}
    </>
  );
}
