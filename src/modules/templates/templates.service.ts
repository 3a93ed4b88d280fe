import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { MetaGraphClient, TemplateComponent, TemplateInfo } from '@libs/meta-graph';
import { DataSource } from 'typeorm';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { newId } from '../../common/ids';
import { decodeCursor, toPage } from '../../common/pagination/cursor';
import { Page } from '../../common/pagination/page';
import { snakeCaseKeys } from '../messages/message-content';
import { metaFailure } from '../meta/meta-errors';
import { Waba } from '../wabas/waba.entity';
import { WabasService } from '../wabas/wabas.service';
import { TemplateCreateDto, TemplateEditDto, TemplateListQueryDto } from './dto/template.dto';
import { RenderedTemplate, renderTemplate, SendComponent } from './render-template';
import { templateProblems } from './template-rules';
import { EDITABLE_STATUSES, Template } from './template.entity';

/** Our camelCase component shape → Meta's snake_case one (types and formats upper-case). */
function toMetaComponents(components: object[]): TemplateComponent[] {
  return (snakeCaseKeys(components) as Record<string, unknown>[]).map((component) => ({
    ...component,
    type: String(component.type).toUpperCase(),
    ...(typeof component.format === 'string' && { format: component.format.toUpperCase() }),
    ...(Array.isArray(component.buttons) && {
      buttons: (component.buttons as Record<string, unknown>[]).map((button) => ({
        ...button,
        type: String(button.type).toUpperCase(),
        ...(typeof button.otp_type === 'string' && { otp_type: button.otp_type.toUpperCase() }),
      })),
    }),
  })) as TemplateComponent[];
}

@Injectable()
export class TemplatesService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly wabas: WabasService,
  ) {}

  /** A newly connected WABA's templates are imported at once. */
  onModuleInit(): void {
    this.wabas.onConnected((waba) => this.syncWaba(waba));
  }

  private get templates() {
    return this.dataSource.getRepository(Template);
  }

  async list(principal: ApiKeyPrincipal, query: TemplateListQueryDto): Promise<Page<Template>> {
    const builder = this.templates
      .createQueryBuilder('template')
      .where('template.organizationId = :organizationId AND template.livemode = :livemode', {
        organizationId: principal.organizationId,
        livemode: principal.livemode,
      })
      .orderBy('template.id', 'DESC')
      .limit(query.limit + 1);
    if (query.wabaId) {
      builder.andWhere('template.wabaId = :wabaId', { wabaId: query.wabaId });
    }
    if (query.status) {
      builder.andWhere('template.status = :status', { status: query.status });
    }
    if (query.category) {
      builder.andWhere('template.category = :category', { category: query.category.toUpperCase() });
    }
    if (query.language) {
      builder.andWhere('template.language = :language', { language: query.language });
    }
    if (query.search) {
      builder.andWhere('template.name ILIKE :search', {
        search: `%${query.search.replace(/[\\%_]/g, (match) => `\\${match}`)}%`,
      });
    }
    if (query.cursor) {
      builder.andWhere('template.id < :id', { id: decodeCursor(query.cursor) });
    }
    return toPage(await builder.getMany(), query.limit);
  }

  async get(principal: ApiKeyPrincipal, id: string): Promise<Template> {
    const template = await this.templates.findOneBy({
      id,
      organizationId: principal.organizationId,
      livemode: principal.livemode,
    });
    if (!template) {
      throw AppException.notFound('Template');
    }
    return template;
  }

  /** Checked against Meta's rules here first, then created at Meta (which reviews it: PENDING). */
  async create(principal: ApiKeyPrincipal, dto: TemplateCreateDto): Promise<Template> {
    const waba = await this.activeWaba(principal, dto.wabaId, 'body');
    const category = dto.category.toUpperCase();
    this.assertValid({ name: dto.name, category, parameterFormat: dto.parameterFormat, components: dto.components });
    if (await this.templates.existsBy({ wabaId: waba.id, name: dto.name, language: dto.language })) {
      throw new AppException(ErrorCode.Conflict, `Template ${dto.name} already exists in ${dto.language}`);
    }
    const components = toMetaComponents(dto.components);
    const parameterFormat = String(dto.parameterFormat ?? 'positional').toUpperCase() as Template['parameterFormat'];
    const { graph, token } = await this.wabas.access(waba);
    const created = await graph
      .createTemplate(token, waba.metaWabaId, {
        name: dto.name,
        language: dto.language,
        category: category as never,
        parameter_format: parameterFormat,
        components,
      })
      .catch((error: unknown) => {
        throw metaFailure(error, 'components');
      });
    const template = this.templates.create({
      id: newId(),
      organizationId: waba.organizationId,
      livemode: waba.livemode,
      wabaId: waba.id,
      metaTemplateId: created.id,
      name: dto.name,
      language: dto.language,
      category: created.category ?? category,
      status: created.status,
      rejectedReason: null,
      parameterFormat,
      components,
      lastSyncedAt: new Date(),
    });
    await this.templates.insert(template);
    await this.refreshStatus(template.id, graph, token);
    return this.templates.findOneByOrFail({ id: template.id });
  }

  /**
   * Reads the status back from Meta after a create or edit: a review (and its webhook) can finish
   * before our row was written, and the webhook would then have had nothing to update.
   */
  private async refreshStatus(id: string, graph: MetaGraphClient, token: string): Promise<void> {
    const template = await this.templates.findOneByOrFail({ id });
    const info = await graph.getTemplate(token, template.metaTemplateId).catch(() => null);
    if (info?.status) {
      await this.templates.update(
        { id },
        {
          status: info.status,
          rejectedReason: info.rejected_reason && info.rejected_reason !== 'NONE' ? info.rejected_reason : null,
        },
      );
    }
  }

  /** Meta's edit rules: only APPROVED, REJECTED or PAUSED templates; an approved one keeps its category. */
  async edit(principal: ApiKeyPrincipal, id: string, dto: TemplateEditDto): Promise<Template> {
    const template = await this.get(principal, id);
    if (!EDITABLE_STATUSES.includes(template.status)) {
      throw new AppException(
        ErrorCode.Conflict,
        `A ${template.status} template cannot be edited (only ${EDITABLE_STATUSES.join(', ')})`,
      );
    }
    const category = dto.category?.toUpperCase();
    if (category && template.status === 'APPROVED' && category !== template.category) {
      throw AppException.validation('Invalid request: the category of an approved template cannot change', [
        { field: 'category', message: `stays ${template.category} while the template is APPROVED` },
      ]);
    }
    if (!category && !dto.components) {
      throw AppException.validation('Invalid request: give category or components', [
        { field: 'components', message: 'nothing to change' },
      ]);
    }
    const components = dto.components ? toMetaComponents(dto.components) : undefined;
    if (dto.components) {
      this.assertValid({
        name: template.name,
        category: category ?? template.category,
        parameterFormat: template.parameterFormat,
        components: dto.components,
      });
    }
    const waba = await this.activeWaba(principal, template.wabaId);
    const { graph, token } = await this.wabas.access(waba);
    await graph
      .editTemplate(token, template.metaTemplateId, {
        ...(category && { category: category as never }),
        ...(components && { components }),
      })
      .catch((error: unknown) => {
        throw metaFailure(error, 'components');
      });
    await this.templates.update(
      { id: template.id },
      { status: 'PENDING', rejectedReason: null, ...(category && { category }), ...(components && { components }) },
    );
    await this.refreshStatus(template.id, graph, token);
    return this.templates.findOneByOrFail({ id: template.id });
  }

  async preview(principal: ApiKeyPrincipal, id: string, components: SendComponent[]): Promise<RenderedTemplate> {
    const template = await this.get(principal, id);
    const { rendered, problems } = renderTemplate(template, components);
    if (problems.length > 0) {
      throw new AppException(
        ErrorCode.TemplateParameterMismatch,
        `The parameters do not fit template ${template.name} (${template.language})`,
        problems,
      );
    }
    return rendered;
  }

  async remove(principal: ApiKeyPrincipal, id: string): Promise<void> {
    const template = await this.get(principal, id);
    const waba = await this.activeWaba(principal, template.wabaId);
    const { graph, token } = await this.wabas.access(waba);
    await graph
      .deleteTemplate(token, waba.metaWabaId, { name: template.name, hsmId: template.metaTemplateId })
      .catch((error: unknown) => {
        throw metaFailure(error);
      });
    await this.templates.delete({ id: template.id });
  }

  /** Deletes the template in every language, as Meta's delete-by-name does. */
  async removeByName(principal: ApiKeyPrincipal, wabaId: string, name: string): Promise<number> {
    const waba = await this.activeWaba(principal, wabaId);
    const local = await this.templates.countBy({ wabaId: waba.id, name });
    if (local === 0) {
      throw AppException.notFound('Template');
    }
    const { graph, token } = await this.wabas.access(waba);
    await graph.deleteTemplate(token, waba.metaWabaId, { name }).catch((error: unknown) => {
      throw metaFailure(error);
    });
    await this.templates.delete({ wabaId: waba.id, name });
    return local;
  }

  /** Imports every template of the WABA from Meta, updates what changed and drops what Meta no longer has. */
  async sync(
    principal: ApiKeyPrincipal,
    wabaId: string,
  ): Promise<{ imported: number; updated: number; removed: number }> {
    return this.syncWaba(await this.activeWaba(principal, wabaId));
  }

  async syncWaba(waba: Waba): Promise<{ imported: number; updated: number; removed: number }> {
    const { graph, token } = await this.wabas.access(waba);
    const remote: TemplateInfo[] = [];
    let after: string | undefined;
    do {
      const page = await graph
        .listTemplates(token, waba.metaWabaId, { limit: 100, ...(after && { after }) })
        .catch((error: unknown) => {
          throw metaFailure(error);
        });
      remote.push(...page.data);
      after = page.after;
    } while (after);
    const now = new Date();
    return this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(Template);
      const local = new Map(
        (await repository.findBy({ wabaId: waba.id })).map((template) => [template.metaTemplateId, template]),
      );
      let imported = 0;
      let updated = 0;
      for (const info of remote) {
        const fields = {
          name: info.name,
          language: info.language,
          category: info.category.toUpperCase(),
          status: info.status,
          rejectedReason: info.rejected_reason && info.rejected_reason !== 'NONE' ? info.rejected_reason : null,
          parameterFormat: (info.parameter_format ?? 'POSITIONAL').toUpperCase() as Template['parameterFormat'],
          components: (info.components ?? []) as object[],
          lastSyncedAt: now,
        };
        const existing = local.get(info.id);
        if (existing) {
          await repository.update({ id: existing.id }, fields);
          local.delete(info.id);
          updated += 1;
        } else {
          await repository.delete({ wabaId: waba.id, name: info.name, language: info.language });
          await repository.insert({
            id: newId(),
            organizationId: waba.organizationId,
            livemode: waba.livemode,
            wabaId: waba.id,
            metaTemplateId: info.id,
            ...fields,
          });
          imported += 1;
        }
      }
      for (const gone of local.values()) {
        await repository.delete({ id: gone.id });
      }
      return { imported, updated, removed: local.size };
    });
  }

  /** `from: 'body'` when the id came in a request body: an unknown one is then a bad field, not a 404. */
  private async activeWaba(principal: ApiKeyPrincipal, wabaId: string, from: 'body' | 'path' = 'path'): Promise<Waba> {
    const waba = await this.wabas.get(principal, wabaId).catch((error: unknown) => {
      throw from === 'body'
        ? AppException.validation('Invalid request: wabaId names no WABA of yours', [
            { field: 'wabaId', message: 'no such WABA' },
          ])
        : error;
    });
    if (waba.disconnectedAt) {
      throw new AppException(ErrorCode.Conflict, 'The WABA is disconnected');
    }
    return waba;
  }

  private assertValid(draft: Parameters<typeof templateProblems>[0]): void {
    const problems = templateProblems(draft);
    if (problems.length > 0) {
      throw AppException.validation(
        `Invalid request: the template breaks ${problems.length} of Meta's rules`,
        problems,
      );
    }
  }
}
