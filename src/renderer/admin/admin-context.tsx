import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import type { AdminAction, AdminOverview, Department, ErrorBody } from '../../shared';
import { errorBodyOf, getApi } from '../api';

/** What every admin tab works from: the server's overview and one way to change it. */
export interface AdminValue {
  overview: AdminOverview;
  /** Makes the change on the server, then reloads the overview; the refusal, if any, for the dialog to show. */
  apply: (action: AdminAction) => Promise<ErrorBody | null>;
  reload: () => Promise<void>;
  department: (id: string | null) => Department | undefined;
}

const AdminContext = createContext<AdminValue | null>(null);

export function useAdmin(): AdminValue {
  const v = useContext(AdminContext);
  if (!v) throw new Error('useAdmin outside AdminProvider');
  return v;
}

export function useAdminOverview() {
  const [overview, setOverview] = useState<AdminOverview | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const reload = useCallback(async () => {
    try {
      setOverview(await getApi().invoke('admin.overview', {}));
      setError(null);
    } catch (e) {
      setError(errorBodyOf(e));
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { overview, error, reload };
}

export function AdminProvider({
  overview,
  reload,
  children,
}: {
  overview: AdminOverview;
  reload: () => Promise<void>;
  children: ReactNode;
}) {
  const apply = useCallback(
    async (action: AdminAction) => {
      try {
        await getApi().invoke('admin.apply', action);
      } catch (e) {
        return errorBodyOf(e);
      }
      await reload();
      return null;
    },
    [reload],
  );
  const department = useCallback(
    (id: string | null) => (id === null ? undefined : overview.departments.find((d) => d.id === id)),
    [overview.departments],
  );
  return (
    <AdminContext.Provider value={{ overview, apply, reload, department }}>{children}</AdminContext.Provider>
  );
}
