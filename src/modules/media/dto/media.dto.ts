import { ApiProperty } from '@nestjs/swagger';
import { Media } from '../media.entity';

export class MediaDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['upload', 'inbound'], enumName: 'MediaSource' }) source!: 'upload' | 'inbound';
  @ApiProperty({
    enum: ['pending', 'ready', 'failed'],
    enumName: 'MediaStatus',
    description: 'Inbound media is pending until downloaded from WhatsApp',
  })
  status!: 'pending' | 'ready' | 'failed';
  @ApiProperty({ example: 'image/jpeg' }) mimeType!: string;
  @ApiProperty({ type: String, nullable: true, example: 'invoice.pdf' }) filename!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 48213 }) sizeBytes!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Hex SHA-256 of the content' }) sha256!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) phoneNumberId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why the download failed' }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(media: Media): MediaDto {
    return {
      id: media.id,
      source: media.source,
      status: media.status,
      mimeType: media.mimeType,
      filename: media.filename,
      sizeBytes: media.sizeBytes,
      sha256: media.sha256,
      phoneNumberId: media.phoneNumberId,
      error: media.error,
      createdAt: media.createdAt.toISOString(),
    };
  }
}
