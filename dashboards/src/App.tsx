/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import React, { useMemo, useRef, useState } from 'react';
import { EuiPage, EuiPageBody, EuiPageHeader, EuiSpacer, EuiTab, EuiTabs, EuiText } from '@elastic/eui';
import { LlocoApi } from './api';
import { HttpAdapter } from './http';
import { AskPage } from './pages/AskPage';
import { IngestPage } from './pages/IngestPage';
import { AdaptersPage } from './pages/AdaptersPage';
import { NodesPage } from './pages/NodesPage';

export const TABS = [
  { id: 'ask', name: 'Ask' },
  { id: 'ingest', name: 'Ingest' },
  { id: 'adapters', name: 'Adapters' },
  { id: 'nodes', name: 'Nodes' },
] as const;

export type TabId = (typeof TABS)[number]['id'];

export function isTab(v: string): v is TabId {
  return TABS.some((t) => t.id === v);
}

export interface AppProps {
  http: HttpAdapter;
  /** Controlled tab (the standalone page keeps it in the URL hash, Dashboards in its router). */
  tab?: TabId;
  onTabChange?: (tab: TabId) => void;
  /** Where the pages run, shown under the title. */
  subtitle?: string;
}

/** The four pages behind tabs; arrow keys, Home and End move between tabs (WAI-ARIA tabs pattern). */
export function App({ http, tab, onTabChange, subtitle }: AppProps) {
  const api = useMemo(() => new LlocoApi(http), [http]);
  const [own, setOwn] = useState<TabId>('ask');
  const current = tab ?? own;
  const tabsRef = useRef<HTMLDivElement>(null);
  const select = (id: TabId, focus = false) => {
    if (tab === undefined) setOwn(id);
    onTabChange?.(id);
    if (focus) tabsRef.current?.querySelector<HTMLButtonElement>(`#lloco-tab-${id}`)?.focus();
  };
  const onKeyDown = (e: React.KeyboardEvent) => {
    const i = TABS.findIndex((t) => t.id === current);
    let next = -1;
    if (e.key === 'ArrowRight') next = (i + 1) % TABS.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + TABS.length) % TABS.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = TABS.length - 1;
    if (next >= 0) {
      e.preventDefault();
      select(TABS[next].id, true);
    }
  };
  return (
    <EuiPage paddingSize="m">
      <EuiPageBody component="main">
        <EuiPageHeader pageTitle="LLoCO" description={subtitle ?? 'Long documents compressed at ingest, questions answered from their summaries'} />
        <div ref={tabsRef}>
        <EuiTabs onKeyDown={onKeyDown} aria-label="LLoCO pages">
          {TABS.map((t) => (
            <EuiTab
              key={t.id}
              id={`lloco-tab-${t.id}`}
              isSelected={t.id === current}
              onClick={() => select(t.id)}
              aria-controls={`lloco-panel-${t.id}`}
              tabIndex={t.id === current ? 0 : -1}
              data-test-subj={`tab-${t.id}`}
            >
              {t.name}
            </EuiTab>
          ))}
        </EuiTabs>
        </div>
        <EuiSpacer size="m" />
        <div role="tabpanel" id={`lloco-panel-${current}`} aria-labelledby={`lloco-tab-${current}`}>
          {current === 'ask' && <AskPage api={api} />}
          {current === 'ingest' && <IngestPage api={api} />}
          {current === 'adapters' && <AdaptersPage api={api} />}
          {current === 'nodes' && <NodesPage api={api} />}
        </div>
        <EuiSpacer size="l" />
        <EuiText size="xs" color="subdued">
          <p>LLoCO for OpenSearch · every request goes to the cluster as you</p>
        </EuiText>
      </EuiPageBody>
    </EuiPage>
  );
}
