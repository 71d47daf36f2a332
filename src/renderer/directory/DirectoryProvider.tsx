import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Department, Directory, User } from '../../shared';
import { getApi } from '../api';
import { useDataChanged } from '../sync/use-data-changed';

interface DirectoryValue extends Directory {
  user: (id: string | null) => User | undefined;
  department: (id: string | null) => Department | undefined;
}

const empty: Directory = { departments: [], users: [] };
const DirectoryContext = createContext<DirectoryValue>({
  ...empty,
  user: () => undefined,
  department: () => undefined,
});

/** Departments and users, loaded once per session and again when sync brings a full refresh. */
export function DirectoryProvider({ children }: { children: ReactNode }) {
  const [directory, setDirectory] = useState<Directory>(empty);
  const [generation, setGeneration] = useState(0);
  useDataChanged((c) => {
    if (c.all) setGeneration((g) => g + 1);
  });
  useEffect(() => {
    let live = true;
    getApi()
      .invoke('directory.get', {})
      .then((d) => live && setDirectory(d))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [generation]);
  const value = useMemo(() => {
    const users = new Map(directory.users.map((u) => [u.id, u]));
    const departments = new Map(directory.departments.map((d) => [d.id, d]));
    return {
      ...directory,
      user: (id: string | null) => (id ? users.get(id) : undefined),
      department: (id: string | null) => (id ? departments.get(id) : undefined),
    };
  }, [directory]);
  return <DirectoryContext.Provider value={value}>{children}</DirectoryContext.Provider>;
}

export const useDirectory = () => useContext(DirectoryContext);
