/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import { useEffect, useMemo, useState } from 'react';
import ReactDOM from 'react-dom';
import { App, isTab, TabId } from '../../src/App';
import { osdHttpAdapter, OsdHttp } from './osd_http';

/** What Dashboards hands an application's mount(): its element and its scoped history. */
export interface MountParams {
  element: HTMLElement;
  history: {
    location: { pathname: string };
    push(path: string): void;
    listen(cb: (location: { pathname: string }) => void): () => void;
  };
}

function tabOf(pathname: string): TabId {
  const t = pathname.replace(/^\/+/, '').split('/')[0];
  return isTab(t) ? t : 'ask';
}

function OsdRoot({ http, history }: { http: OsdHttp; history: MountParams['history'] }) {
  const adapter = useMemo(() => osdHttpAdapter(http), [http]);
  const [tab, setTab] = useState<TabId>(tabOf(history.location.pathname));
  useEffect(() => history.listen((loc) => setTab(tabOf(loc.pathname))), [history]);
  return <App http={adapter} tab={tab} onTabChange={(t) => history.push(`/${t}`)} subtitle="In OpenSearch Dashboards, as the logged-in user" />;
}

/** Renders the pages into Dashboards' element (the React and ReactDOM Dashboards shares); returns the unmount. */
export function mountApp(http: OsdHttp, params: MountParams): () => void {
  ReactDOM.render(<OsdRoot http={http} history={params.history} />, params.element);
  return () => {
    ReactDOM.unmountComponentAtNode(params.element);
  };
}
