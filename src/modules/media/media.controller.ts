import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiKeyAuth, CurrentApiKey } from '../../auth/decorators';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { RawResponse } from '../../common/http/envelope.interceptor';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe';
import { ApiDataResponse, ApiErrorResponses } from '../../common/openapi/api-responses.decorator';
import { MediaDto } from './dto/media.dto';
import { MediaService } from './media.service';

@ApiTags('Media')
@Controller('v1/media')
export class MediaController {
  constructor(private readonly media: MediaService) {}

  @Get(':mediaId')
  @ApiKeyAuth('media:read')
  @ApiOperation({ summary: 'Get media metadata' })
  @ApiParam({ name: 'mediaId', format: 'uuid' })
  @ApiDataResponse(MediaDto)
  @ApiErrorResponses(404)
  async getMedia(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('mediaId', new ResourceIdPipe('Media')) id: string,
  ): Promise<MediaDto> {
    return MediaDto.from(await this.media.get(principal, id));
  }

  @Get(':mediaId/content')
  @RawResponse()
  @ApiKeyAuth('media:read')
  @ApiOperation({
    summary: 'Download media content',
    description: 'The bytes with their MIME type. 409 while inbound media is still being downloaded from WhatsApp.',
  })
  @ApiParam({ name: 'mediaId', format: 'uuid' })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The content', schema: { type: 'string', format: 'binary' } })
  @ApiErrorResponses(404, 409)
  async downloadMediaContent(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('mediaId', new ResourceIdPipe('Media')) id: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { media, stream } = await this.media.content(principal, id);
    void reply.header('Content-Type', media.mimeType);
    if (media.sizeBytes !== null) {
      void reply.header('Content-Length', String(media.sizeBytes));
    }
    if (media.filename) {
      void reply.header('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(media.filename)}`);
    }
    await reply.send(stream);
  }
}
