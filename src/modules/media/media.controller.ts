import { Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiBody,
  ApiConsumes,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyAuth, CurrentApiKey } from '../../auth/decorators';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { RawResponse } from '../../common/http/envelope';
import { ACCEPTS_MULTIPART } from '../../common/http/multipart';
import { ResourceIdPipe } from '../../common/http/resource-id.pipe';
import { ApiDataResponse, ApiErrorResponses } from '../../common/openapi/api-responses.decorator';
import { MediaDto } from './dto/media.dto';
import { MediaService } from './media.service';
import { MAX_MEDIA_BYTES, SUPPORTED_MIME_TYPES } from './media-types';
import { readUploadedFile } from './read-upload';

const mediaId = new ResourceIdPipe('Media');

@ApiTags('Media')
@Controller('v1/media')
export class MediaController {
  constructor(private readonly media: MediaService) {}

  @Post()
  @RouteConfig(ACCEPTS_MULTIPART)
  @ApiKeyAuth('media:write')
  @ApiOperation({
    summary: 'Upload media',
    description:
      "A file to send in messages by its `id` (`image: { id }`). WhatsApp's limits apply: image JPEG/PNG up to 5 MB; " +
      'video MP4/3GPP up to 16 MB; audio AAC/AMR/MP3/M4A/OGG up to 16 MB; document TXT/PDF/Word/Excel/PowerPoint ' +
      "up to 100 MB; sticker WebP up to 100 KB (500 KB animated). The type is the part's Content-Type " +
      '(or the file extension when that is application/octet-stream). 503 when the media storage refused the ' +
      'file: nothing was stored.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: {
          type: 'string',
          format: 'binary',
          description: `One of ${SUPPORTED_MIME_TYPES.join(', ')}; at most ${MAX_MEDIA_BYTES} bytes`,
        },
      },
    },
  })
  @ApiDataResponse(MediaDto, { status: 201, description: 'Stored, ready to send' })
  @ApiErrorResponses(400, 413, 415, 503)
  async uploadMedia(@CurrentApiKey() principal: ApiKeyPrincipal, @Req() request: FastifyRequest): Promise<MediaDto> {
    const file = await readUploadedFile(request);
    return MediaDto.from(await this.media.upload(principal, file));
  }

  @Get(':mediaId')
  @ApiKeyAuth('media:read')
  @ApiOperation({ summary: 'Get media metadata' })
  @ApiParam({ name: 'mediaId', format: 'uuid' })
  @ApiDataResponse(MediaDto)
  @ApiErrorResponses(404)
  async getMedia(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('mediaId', mediaId) id: string,
  ): Promise<MediaDto> {
    return MediaDto.from(await this.media.get(principal, id));
  }

  @Delete(':mediaId')
  @HttpCode(204)
  @ApiKeyAuth('media:write')
  @ApiOperation({
    summary: 'Delete media',
    description:
      'Deletes the file. Messages still queued with it fail when their turn comes. ' +
      '503 when the media storage did not delete the file: nothing was deleted, try again.',
  })
  @ApiParam({ name: 'mediaId', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrorResponses(404, 503)
  async deleteMedia(@CurrentApiKey() principal: ApiKeyPrincipal, @Param('mediaId', mediaId) id: string): Promise<void> {
    await this.media.remove(principal, id);
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
  @ApiErrorResponses(404, 409, 503)
  async downloadMediaContent(
    @CurrentApiKey() principal: ApiKeyPrincipal,
    @Param('mediaId', mediaId) id: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { media, stream, size } = await this.media.content(principal, id);
    void reply.header('Content-Type', media.mimeType);
    void reply.header('Content-Length', String(size));
    if (media.filename) {
      void reply.header('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(media.filename)}`);
    }
    await reply.send(stream);
  }
}
