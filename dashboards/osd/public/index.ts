/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import { mountApp, MountParams } from './app';
import type { OsdHttp } from './osd_http';

/** The slice of Dashboards' CoreSetup the plugin uses (no @osd/* package exists outside a Dashboards checkout). */
export interface CoreSetupLike {
  application: {
    register(app: {
      id: string;
      title: string;
      order?: number;
      category?: { id: string; label: string; order?: number; euiIconType?: string };
      mount(params: MountParams): Promise<() => void>;
    }): void;
  };
  getStartServices(): Promise<[{ http: OsdHttp }, unknown, unknown]>;
}

export const PLUGIN_ID = 'llocoDashboards';

export class LlocoDashboardsPlugin {
  setup(core: CoreSetupLike) {
    core.application.register({
      id: PLUGIN_ID,
      title: 'LLoCO',
      order: 9000,
      category: { id: 'opensearch', label: 'OpenSearch Plugins', order: 2000 },
      mount: async (params: MountParams) => {
        const [coreStart] = await core.getStartServices();
        return mountApp(coreStart.http, params);
      },
    });
    return {};
  }

  start() {
    return {};
  }

  stop() {}
}

/** Dashboards' entry point: __osdBundles__.get('plugin/llocoDashboards/public').plugin(initializerContext). */
export function plugin() {
  return new LlocoDashboardsPlugin();
}
