import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
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

/** Departments and users for names and pickers. */
export function DirectoryProvider({ children }: { children: ReactNode }) {
  const [directory, setDirectory] = useState<Directory>(empty);
  const [generation, setGeneration] = useState(0);
  // Users and departments arrive with sync like everything else; look again (at most every 2 s) when
  // data changes, which is cheap since the answer comes from the local replica.
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useDataChanged(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      setGeneration((g) => g + 1);
    }, 2000);
  });
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    },
    [],
  );
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
